"""No lost edits: every write refuses a change based on a stale view of the opportunity.

Each case opens the page or dialog (the version it shows travels in a hidden field), another
user then changes the opportunity, and the first user's submit is refused with a clear message
and writes nothing.
"""

import datetime
from decimal import Decimal

import pytest
from django.db.models import F
from django.urls import reverse

from opportunities import services
from opportunities.models import Opportunity, UpdateAction
from tests.snapshots import database_state
from tests.trust.conftest import logged_in

pytestmark = pytest.mark.django_db

STALE = "was changed by someone else since you opened it"
DAY = datetime.date(2024, 1, 25)


def admin_form_data(client, opportunity: Opportunity, **changes) -> dict:
    """What the admin's change form of `opportunity` posts, as a browser would send it."""
    url = reverse("admin:opportunities_opportunity_change", args=[opportunity.pk])
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        data[name] = "" if value is None else value
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        for name in formset.management_form.fields:
            data[f"{formset.prefix}-{name}"] = formset.management_form[name].value()
        for index, inline_form in enumerate(formset.forms):
            data[f"{formset.prefix}-{index}-id"] = inline_form.instance.pk
            data[f"{formset.prefix}-{index}-opportunity"] = opportunity.pk
    data.update(changes)
    return data


def admin_edit(client, opportunity: Opportunity, description: str):
    url = reverse("admin:opportunities_opportunity_change", args=[opportunity.pk])
    return client.post(url, admin_form_data(client, opportunity, description=description))


class Case:
    def __init__(self, world, manager):
        self.world = world
        self.manager = manager
        self.client = logged_in(manager)

    def someone_else_changes(self, opportunity: Opportunity) -> None:
        """Another user's real write on the opportunity after the page was opened."""
        opportunity = Opportunity.objects.get(pk=opportunity.pk)
        if opportunity.quote_id and opportunity.quote.is_open:
            services.add_quote_line(
                opportunity.quote, description="Extra", quantity=Decimal(1), unit_price=Decimal(9)
            )
        elif opportunity.status == Opportunity.Status.IN_PROGRESS:
            services.update_opportunity(
                opportunity, action=UpdateAction.UPDATE, estimated_value=Decimal(15000), today=DAY
            )
        elif not opportunity.closed:
            other = logged_in(self.manager)
            assert admin_edit(other, opportunity, "Renamed by someone else").status_code == 302
        else:
            # A closed opportunity's fields no longer change by hand; a write through its
            # documents (an order made, an order deleted) moves its version like this.
            Opportunity.objects.filter(pk=opportunity.pk).update(version=F("version") + 1)


def cases(world):
    """action: (the opportunity, url, posted data)."""
    quote, line, order = world.quote.number, world.line.pk, world.order.number
    return {
        "update": (
            world.open,
            reverse("opportunities:update", args=[world.open.number]),
            {"action": UpdateAction.NEXT},
        ),
        "activate": (
            world.not_started,
            reverse("opportunities:activate", args=[world.not_started.number]),
            {},
        ),
        "close": (
            world.open,
            reverse("opportunities:close", args=[world.open.number]),
            {"outcome": "lost", "close_code": "L-COMP", "date_closed": "2024-01-25"},
        ),
        "create quote": (
            world.open,
            reverse("opportunities:create_quote", args=[world.open.number]),
            {},
        ),
        "make order": (
            world.quoted,
            reverse("opportunities:make_order", args=[quote]),
            {"close_code": "W-PRICE", "date_closed": "2024-01-25"},
        ),
        "delete": (
            world.closed,
            reverse("opportunities:delete", args=[world.closed.number]),
            {"ok": "1"},
        ),
        "delete quote": (
            world.quoted,
            reverse("opportunities:quote_delete", args=[quote]),
            {"ok": "1"},
        ),
        "delete order": (
            world.ordered,
            reverse("opportunities:order_delete", args=[order]),
            {"ok": "1"},
        ),
        "add quote line": (
            world.quoted,
            reverse("opportunities:quote_line_add", args=[quote]),
            {"new-description": "Lamp", "new-quantity": "1", "new-unit_price": "30"},
        ),
        "change quote line": (
            world.quoted,
            reverse("opportunities:quote_line_update", args=[quote, line]),
            {
                f"line-{line}-description": "Desk",
                f"line-{line}-quantity": "3",
                f"line-{line}-unit_price": "500",
            },
        ),
        "remove quote line": (
            world.quoted,
            reverse("opportunities:quote_line_delete", args=[quote, line]),
            {},
        ),
    }


ACTIONS = [
    "update",
    "activate",
    "close",
    "create quote",
    "make order",
    "delete",
    "delete quote",
    "delete order",
    "add quote line",
    "change quote line",
    "remove quote line",
]


@pytest.mark.parametrize("action", ACTIONS)
def test_a_write_based_on_a_stale_view_is_refused_and_writes_nothing(action, world, manager):
    case = Case(world, manager)
    opportunity, url, data = cases(world)[action]
    seen = Opportunity.objects.get(pk=opportunity.pk).version
    case.someone_else_changes(opportunity)
    before = database_state()
    response = case.client.post(url, {"version": seen, **data}, follow=True)
    assert response.status_code == 200
    assert STALE in response.content.decode(), action
    assert database_state() == before, f"a stale {action} wrote"


@pytest.mark.parametrize("action", ACTIONS)
def test_the_same_write_with_the_current_version_goes_through(action, world, manager):
    case = Case(world, manager)
    opportunity, url, data = cases(world)[action]
    current = Opportunity.objects.get(pk=opportunity.pk).version
    before = database_state()
    response = case.client.post(url, {"version": current, **data}, follow=True)
    assert response.status_code == 200
    assert STALE not in response.content.decode()
    assert database_state() != before, f"{action} wrote nothing"


def test_the_admin_refuses_a_stale_save_of_an_opportunity(world, manager):
    client = logged_in(manager)
    data = admin_form_data(client, world.open, description="My edit")
    Case(world, manager).someone_else_changes(world.open)
    before = database_state()
    url = reverse("admin:opportunities_opportunity_change", args=[world.open.pk])
    response = client.post(url, data, follow=True)
    # Back on the change form, which now shows the current state, with the refusal.
    assert response.redirect_chain == [(url, 302)]
    assert STALE in response.content.decode()
    assert response.context["adminform"].form.initial["description"] != "My edit"
    assert database_state() == before
    # Reloaded, the same edit goes through and makes other open dialogs stale.
    version = Opportunity.objects.get(pk=world.open.pk).version
    assert admin_edit(client, world.open, "My edit").status_code == 302
    changed = Opportunity.objects.get(pk=world.open.pk)
    assert changed.description == "My edit"
    assert changed.version == version + 1


def test_a_stale_quote_line_refusal_shows_the_current_lines_for_htmx(world, manager):
    client = logged_in(manager)
    seen = world.quoted.version
    Case(world, manager).someone_else_changes(world.quoted)
    response = client.post(
        reverse("opportunities:quote_line_add", args=[world.quote.number]),
        {"version": seen, "new-description": "Lamp", "new-quantity": "1", "new-unit_price": "3"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="quote-lines",
    )
    content = response.content.decode()
    assert STALE in content
    assert "Extra" in content  # the other user's line is shown
    current = Opportunity.objects.get(pk=world.quoted.pk).version
    assert f'name="version" value="{current}"' in content  # the next submit is current
