"""Roles: a salesperson acts on their own opportunities only, a user without a role only
reads nothing and writes nothing, and pages never show a button the user may not use."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse

from opportunities import permissions, services
from opportunities.models import Opportunity, Quote, SalesOrder
from opportunities.roles import SALES_MANAGER, SALESPERSON
from tests.snapshots import assert_refused
from tests.trust.conftest import DAY, logged_in

pytestmark = pytest.mark.django_db


def action_urls(world) -> dict[str, tuple[str, str]]:
    """Every write on AH's objects: (method, url)."""
    quote, line, order = world.quote.number, world.line.pk, world.order.number
    return {
        "update": ("post", reverse("opportunities:update", args=[world.open.number])),
        "close": ("post", reverse("opportunities:close", args=[world.open.number])),
        "activate": ("post", reverse("opportunities:activate", args=[world.not_started.number])),
        "create quote": ("post", reverse("opportunities:create_quote", args=[world.open.number])),
        "delete": ("post", reverse("opportunities:delete", args=[world.closed.number])),
        "make order": ("post", reverse("opportunities:make_order", args=[quote])),
        "delete quote": ("post", reverse("opportunities:quote_delete", args=[quote])),
        "add line": ("post", reverse("opportunities:quote_line_add", args=[quote])),
        "change line": (
            "post",
            reverse("opportunities:quote_line_update", args=[quote, line]),
        ),
        "remove line": (
            "post",
            reverse("opportunities:quote_line_delete", args=[quote, line]),
        ),
        "delete order": ("post", reverse("opportunities:order_delete", args=[order])),
        "batch delete": ("post", reverse("opportunities:batch_delete")),
    }


DIALOGS = ["update", "close", "delete", "make order", "delete quote", "delete order"]


def test_a_salesperson_gets_403_on_every_write_of_someone_elses_opportunity(world, seller):
    client = logged_in(seller)
    for action, (method, url) in action_urls(world).items():
        assert_refused(
            "permission_denied", getattr(client, method), url, {"version": "1", "ok": "1"}
        )
        if action in DIALOGS or action == "batch delete":
            assert client.get(url).status_code == 403, action


def test_a_user_without_a_role_gets_403_on_every_write_and_page(world, nobody):
    client = logged_in(nobody)
    for method, url in action_urls(world).values():
        assert_refused("permission_denied", getattr(client, method), url, {"version": "1"})
    create = reverse("opportunities:create")
    assert_refused("permission_denied", client.post, create, {"description": "X"})
    create_customer = reverse("contacts:create_customer", args=[world.fx.CT200.number])
    assert_refused("permission_denied", client.post, create_customer)
    for url in (
        reverse("opportunities:list"),
        world.open.get_absolute_url(),
        world.quote.get_absolute_url(),
        world.order.get_absolute_url(),
        reverse("contacts:contact_list"),
        reverse("salescycles:list"),
    ):
        assert client.get(url).status_code == 403, url


def buttons_of(content: str, world, opportunity) -> set[str]:
    number = opportunity.number
    found = set()
    for command in ("update", "close", "delete", "activate", "create_quote"):
        if reverse(f"opportunities:{command}", args=[number]) in content:
            found.add(command)
    return found


def test_a_salesperson_sees_no_buttons_on_someone_elses_rows_and_cards(world, seller):
    client = logged_in(seller)
    listing = client.get(reverse("opportunities:list")).content.decode()
    for opportunity in (world.open, world.not_started, world.closed, world.quoted):
        assert buttons_of(listing, world, opportunity) == set(), opportunity.description
        card = client.get(opportunity.get_absolute_url()).content.decode()
        assert buttons_of(card, world, opportunity) == set(), opportunity.description
    # Their own opportunity offers what its state allows.
    assert buttons_of(listing, world, world.own) == {"update", "close", "create_quote"}
    own_card = client.get(world.own.get_absolute_url()).content.decode()
    assert buttons_of(own_card, world, world.own) == {"update", "close", "create_quote"}
    # Someone else's quote and order: no make order, no delete, no line editing.
    quote_page = client.get(world.quote.get_absolute_url()).content.decode()
    for name in ("make_order", "quote_delete", "quote_line_add"):
        assert reverse(f"opportunities:{name}", args=[world.quote.number]) not in quote_page
    order_page = client.get(world.order.get_absolute_url()).content.decode()
    assert reverse("opportunities:order_delete", args=[world.order.number]) not in order_page
    # And no batch deletion in the menu.
    assert reverse("opportunities:batch_delete") not in listing


def test_a_sales_manager_sees_and_may_use_every_button(world, manager):
    client = logged_in(manager)
    listing = client.get(reverse("opportunities:list")).content.decode()
    assert buttons_of(listing, world, world.open) == {"update", "close", "create_quote"}
    assert buttons_of(listing, world, world.not_started) == {"close", "activate"}
    assert buttons_of(listing, world, world.closed) == {"delete"}
    assert reverse("opportunities:batch_delete") in listing
    quote_page = client.get(world.quote.get_absolute_url()).content.decode()
    assert reverse("opportunities:make_order", args=[world.quote.number]) in quote_page
    order_page = client.get(world.order.get_absolute_url()).content.decode()
    assert reverse("opportunities:order_delete", args=[world.order.number]) in order_page


def test_a_salesperson_may_not_delete_even_their_own_closed_opportunity(world, seller, fx):
    services.close_opportunity(world.own, outcome="lost", close_code=fx.L_COMP)
    client = logged_in(seller)
    url = reverse("opportunities:delete", args=[world.own.number])
    assert_refused("permission_denied", client.post, url, {"version": "3"})
    assert url not in client.get(world.own.get_absolute_url()).content.decode()


def test_the_roles_are_groups_of_model_permissions(world, seller, manager, nobody):
    assert permissions.can_act_on(seller, world.own)
    assert not permissions.can_act_on(seller, world.open)
    assert permissions.can_act_on(manager, world.open)
    assert not permissions.can_act_on(nobody, world.own)
    assert not permissions.can_delete(seller)
    assert permissions.can_delete(manager)
    assert seller.has_perm("opportunities.add_opportunity")
    assert not seller.has_perm("salescycles.change_salescycle")
    assert manager.has_perm("salescycles.change_salescycle")
    assert set(Group.objects.values_list("name", flat=True)) >= {SALESPERSON, SALES_MANAGER}


def test_demo_logins_exist_for_each_role_and_are_printed(fx, settings):
    settings.DEMO_LOGINS = True
    out = io.StringIO()
    call_command("ensure_demo_logins", stdout=out)
    users = get_user_model().objects
    assert users.get(username="admin").is_superuser
    assert users.get(username="manager").groups.filter(name=SALES_MANAGER).exists()
    assert users.get(username="jo").groups.filter(name=SALESPERSON).exists()
    for username in ("admin", "manager", "jo"):
        assert f"login: {username}" in out.getvalue()


def orphan(world) -> None:
    """AH's quote and order lose their opportunities (deleted once closed); they stay."""
    services.close_opportunity(world.quoted, outcome="lost", close_code=world.fx.L_COMP, today=DAY)
    services.delete_opportunity(Opportunity.objects.get(pk=world.quoted.pk))
    services.delete_opportunity(Opportunity.objects.get(pk=world.ordered.pk))
    world.quote = Quote.objects.get(pk=world.quote.pk)
    world.order = SalesOrder.objects.get(pk=world.order.pk)


def test_a_salesperson_gets_403_on_someone_elses_quote_and_order_left_without_opportunity(
    world, seller
):
    orphan(world)
    client = logged_in(seller)
    urls = action_urls(world)
    for action in ("make order", "delete quote", "add line", "change line", "remove line"):
        method, url = urls[action]
        assert_refused(
            "permission_denied", getattr(client, method), url, {"version": "1", "ok": "1"}
        )
    assert_refused("permission_denied", client.post, urls["delete order"][1], {"ok": "1"})
    for action in ("make order", "delete quote", "delete order"):
        assert client.get(urls[action][1]).status_code == 403, action
    quote_page = client.get(world.quote.get_absolute_url())
    assert not quote_page.context["editable"]
    assert not quote_page.context["can_order"]
    assert not quote_page.context["can_delete_quote"]
    order_page = client.get(world.order.get_absolute_url())
    assert not order_page.context["can_delete_order"]


def test_a_manager_acts_on_every_quote_and_order_left_without_opportunity(world, manager, fx):
    fx.AH.user = None  # then they are not the manager's own documents: the role decides
    fx.AH.save(update_fields=["user"])
    orphan(world)
    client = logged_in(manager)
    assert client.get(world.quote.get_absolute_url()).context["can_order"]
    response = client.post(
        reverse("opportunities:order_delete", args=[world.order.number]), {"ok": "1"}
    )
    assert response.status_code == 302
    assert not SalesOrder.objects.filter(pk=world.order.pk).exists()


def test_quote_and_order_rights_without_opportunity_follow_the_documents_salesperson(
    world, seller, manager, nobody, fx
):
    orphan(world)
    gone = fx.create_opp_a(description="Gone", salesperson=fx.JO)
    own = services.create_quote(gone, today=DAY)
    services.close_opportunity(gone, outcome="lost", close_code=fx.L_COMP, today=DAY)
    services.delete_opportunity(Opportunity.objects.get(pk=gone.pk))
    theirs, order = world.quote, world.order
    for allowed in (
        permissions.may_change_quote,
        permissions.may_make_order,
        permissions.may_delete_quote,
    ):
        assert allowed(seller, own, None), allowed.__name__
        assert not allowed(seller, theirs, None), allowed.__name__
        assert allowed(manager, theirs, None), allowed.__name__
        assert not allowed(nobody, own, None), allowed.__name__
    assert not permissions.may_delete_order(seller, order, None)
    assert permissions.may_delete_order(manager, order, None)
    assert not permissions.may_delete_order(nobody, order, None)
    # With an opportunity, the opportunity's owner decides, whoever the document names.
    assert permissions.may_change_quote(seller, theirs, world.own)
    assert not permissions.may_change_quote(seller, own, world.open)


def test_a_salesperson_may_make_customers_of_their_own_contacts_only(world, seller, manager, fx):
    fx.CT300.salesperson = fx.AH
    fx.CT300.save(update_fields=["salesperson"])
    assert permissions.can_create_customer(seller, fx.CT200)
    assert not permissions.can_create_customer(seller, fx.CT300)
    assert permissions.can_create_customer(manager, fx.CT300)
    fx.CT300.salesperson = None
    assert not permissions.can_create_customer(seller, fx.CT300)
    assert permissions.can_create_customer(manager, fx.CT300)
