"""Roles: a salesperson acts on their own opportunities only, a user without a role only
reads nothing and writes nothing, and pages never show a button the user may not use."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse

from opportunities import permissions
from opportunities.roles import SALES_MANAGER, SALESPERSON
from tests.snapshots import database_state
from tests.trust.conftest import logged_in

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
    before = database_state()
    for action, (method, url) in action_urls(world).items():
        response = getattr(client, method)(url, {"version": "1", "ok": "1"})
        assert response.status_code == 403, action
        if action in DIALOGS or action == "batch delete":
            assert client.get(url).status_code == 403, action
    assert database_state() == before


def test_a_user_without_a_role_gets_403_on_every_write_and_page(world, nobody):
    client = logged_in(nobody)
    before = database_state()
    for action, (method, url) in action_urls(world).items():
        assert getattr(client, method)(url, {"version": "1"}).status_code == 403, action
    assert client.post(reverse("opportunities:create"), {"description": "X"}).status_code == 403
    create_customer = reverse("contacts:create_customer", args=[world.fx.CT200.number])
    assert client.post(create_customer).status_code == 403
    for url in (
        reverse("opportunities:list"),
        world.open.get_absolute_url(),
        world.quote.get_absolute_url(),
        world.order.get_absolute_url(),
        reverse("contacts:contact_list"),
        reverse("salescycles:list"),
    ):
        assert client.get(url).status_code == 403, url
    assert database_state() == before


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
    from opportunities import services

    services.close_opportunity(world.own, outcome="lost", close_code=fx.L_COMP)
    client = logged_in(seller)
    url = reverse("opportunities:delete", args=[world.own.number])
    assert client.post(url, {"version": "3"}).status_code == 403
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
