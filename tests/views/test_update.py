"""The update dialog (Mise à jour opportunité) and "Activate first stage"."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from opportunities import services
from opportunities.models import Opportunity, OpportunityEntry, UpdateAction
from tests.factories import OpportunityFactory
from tests.snapshots import assert_refused
from tests.views.conftest import dialog_urls

pytestmark = pytest.mark.django_db
JAN_20 = datetime.date(2024, 1, 20)


def url(opportunity):
    return reverse("opportunities:update", args=[opportunity.number])


def offered(response) -> list[str]:
    return [value for value, _ in response.context["form"].fields["action"].widget.choices]


def post(client, opportunity, **data):
    values = {"version": opportunity.version, **data}
    return client.post(url(opportunity), values)


def test_the_dialog_offers_only_the_actions_of_the_state(fx, client, opp_a):
    response = client.get(url(opp_a))
    assert offered(response) == [UpdateAction.NEXT, UpdateAction.SKIP, UpdateAction.UPDATE]
    form = response.context["form"]
    # Next is the default; the form is pre-filled with the defaults of its target.
    assert form.initial["action"] == UpdateAction.NEXT
    assert form.initial["to_stage"] is None  # one target: no chooser
    assert form.initial["chances_of_success"] == Decimal(40)
    assert form.initial["estimated_value"] == Decimal(10000)
    assert not form.target_choice


def test_skip_offers_its_targets_and_refreshes_the_defaults(fx, client, opp_a):
    response = client.get(url(opp_a), {"action": UpdateAction.SKIP, "to_stage": fx.stages[3].pk})
    form = response.context["form"]
    assert form.target_choice
    choices = [value for value, _ in form.fields["to_stage"].widget.choices]
    assert choices == [fx.stages[2].pk, fx.stages[3].pk, fx.stages[4].pk]
    assert form.initial["to_stage"] == fx.stages[3].pk
    assert form.initial["chances_of_success"] == Decimal(50)
    today = form.initial["date_of_change"]
    assert form.initial["estimated_close_date"] == fx.stages[3].close_date(today)


def test_htmx_refresh_returns_the_dialog_only(fx, client, opp_a, htmx):
    response = client.get(url(opp_a), {"action": UpdateAction.UPDATE, "modal": "1"}, **htmx)
    content = response.content.decode()
    assert "<html" not in content
    assert 'id="update-form"' in content
    assert 'data-bs-dismiss="modal"' in content


def test_the_quote_total_is_the_default_estimated_value(fx, client, opp_a):
    quote = services.create_quote(opp_a)
    services.add_quote_line(quote, description="X", quantity=Decimal(2), unit_price=Decimal(400))
    opp_a.refresh_from_db()
    form = client.get(url(opp_a)).context["form"]
    assert form.initial["estimated_value"] == Decimal(800)


def test_next_moves_the_opportunity_and_says_so(fx, client, opp_a, manager):
    back = reverse("opportunities:list") + "?status=open"
    response = client.post(
        url(opp_a) + "?next=" + back.replace("?", "%3F").replace("=", "%3D"),
        {"version": opp_a.version, "action": UpdateAction.NEXT},
    )
    assert response.status_code == 302
    assert response["Location"] == back
    opp_a.refresh_from_db()
    assert opp_a.current_stage == fx.stages[2]
    assert opp_a.entries.get(active=True).created_by == manager
    assert "OP000001 moved to Needs." in client.get(back).content.decode()


def test_skip_over_two_stages_records_jumped(fx, client, opp_a):
    post(client, opp_a, action=UpdateAction.SKIP, to_stage=fx.stages[3].pk, chances_of_success="70")
    opp_a.refresh_from_db()
    assert opp_a.current_stage == fx.stages[3]
    assert opp_a.chances_of_success == Decimal(70)
    assert opp_a.entries.get(active=True).action_taken == "jumped"


def test_a_refused_skip_shows_the_rule_and_writes_nothing(fx, client, opp_a):
    response = assert_refused(
        "quote_required", post, client, opp_a, action=UpdateAction.SKIP, to_stage=fx.stages[4].pk
    )
    assert response.status_code == 200
    assert (
        "Stage 4 requires a quote: create a quote for the opportunity first."
        in response.content.decode()
    )


def test_jump_back_and_update(fx, client, opp_a):
    services.update_opportunity(
        opp_a, action=UpdateAction.SKIP, to_stage=fx.stages[3], today=JAN_20
    )
    post(client, opp_a, action=UpdateAction.JUMP, to_stage=fx.stages[1].pk)
    opp_a.refresh_from_db()
    assert opp_a.current_stage == fx.stages[1]
    post(
        client, opp_a, action=UpdateAction.UPDATE, estimated_value="15000", chances_of_success="60"
    )
    opp_a.refresh_from_db()
    assert opp_a.estimated_value == Decimal(15000)
    assert opp_a.entries.get(active=True).action_taken == "updated"


def test_a_stale_dialog_is_refused_with_the_current_state(fx, client, opp_a):
    seen = opp_a.version
    services.update_opportunity(opp_a, action=UpdateAction.NEXT, today=JAN_20)  # someone else
    response = assert_refused(
        "stale", client.post, url(opp_a), {"version": seen, "action": UpdateAction.NEXT}
    )
    content = response.content.decode()
    assert "was changed by someone else since you opened it" in content
    # The dialog now carries the version it shows, and the current stage.
    assert response.context["form"].data["version"] == str(opp_a.version)
    assert "2 Needs" in content


def test_a_date_before_the_last_change_is_refused(fx, client, opp_a):
    response = assert_refused(
        "date_before_last_change",
        post,
        client,
        opp_a,
        action=UpdateAction.NEXT,
        date_of_change="2024-01-10",
    )
    assert "is before the last change of the opportunity" in response.content.decode()


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"action": UpdateAction.NEXT, "estimated_value": "abc"}, "invalid"),
        ({"action": UpdateAction.NEXT, "date_of_change": "2024-13-45"}, "invalid"),
        ({"action": "explode"}, "invalid_choice"),
        ({"action": UpdateAction.SKIP, "to_stage": "999999"}, "invalid_choice"),
        ({"action": UpdateAction.SKIP, "to_stage": "'; drop table"}, "invalid_choice"),
        ({"action": UpdateAction.NEXT, "version": "abc"}, "invalid"),
        ({"action": UpdateAction.NEXT, "version": ""}, "required"),
    ],
)
def test_bad_or_tampered_input_is_a_form_error(fx, client, opp_a, data, code):
    response = assert_refused(code, client.post, url(opp_a), {"version": opp_a.version, **data})
    assert response.status_code == 200
    assert response.context["form"].errors


def test_an_action_not_offered_is_refused_by_the_service(fx, client, opp_a):
    response = assert_refused(
        "action_not_offered", post, client, opp_a, action=UpdateAction.PREVIOUS
    )
    assert "This action is not offered for opportunity OP000001 now." in (response.content.decode())


def test_a_stage_of_the_cycle_that_is_not_a_target_is_refused(fx, client, opp_a):
    response = assert_refused(
        "invalid_target", post, client, opp_a, action=UpdateAction.SKIP, to_stage=fx.stages[5].pk
    )
    assert "Stage 5 is not a target of this action." in response.content.decode()


def test_htmx_success_answers_with_a_client_redirect(fx, client, opp_a, htmx):
    response = client.post(
        url(opp_a), {"version": opp_a.version, "action": UpdateAction.NEXT}, **htmx
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == opp_a.get_absolute_url()


def test_a_closed_opportunity_offers_no_update(fx, client, opp_a):
    services.close_opportunity(opp_a, outcome="lost", close_code=fx.L_COMP)
    response = client.get(url(opp_a))
    assert "OP000001 is closed (Lost): it can no longer be updated." in response.content.decode()
    refused = assert_refused("closed", post, client, opp_a, action=UpdateAction.NEXT)
    assert "Opportunity OP000001 is closed and cannot change." in refused.content.decode()


def test_a_salesperson_may_not_update_someone_elses_opportunity(fx, seller_client):
    theirs = fx.create_opp_a(salesperson=fx.AH)
    assert seller_client.get(url(theirs)).status_code == 403
    assert_refused("permission_denied", post, seller_client, theirs, action=UpdateAction.NEXT)


def test_activate_first_stage(fx, client):
    opportunity = OpportunityFactory(contact=fx.CT100, salesperson=fx.JO, sales_cycle=fx.STD)
    response = client.post(
        reverse("opportunities:activate", args=[opportunity.number]),
        {"version": opportunity.version},
        follow=True,
    )
    opportunity.refresh_from_db()
    assert opportunity.status == Opportunity.Status.IN_PROGRESS
    assert opportunity.estimated_value == 0
    assert f"{opportunity.number} activated on stage Initial." in response.content.decode()


def test_activate_on_a_cycle_without_stages_is_refused(fx, client):
    from tests.factories import SalesCycleFactory

    opportunity = OpportunityFactory(
        contact=fx.CT100, salesperson=fx.JO, sales_cycle=SalesCycleFactory(code="EMPTY")
    )
    response = client.post(
        reverse("opportunities:activate", args=[opportunity.number]),
        {"version": opportunity.version},
        follow=True,
    )
    assert "Sales cycle EMPTY has no stages." in response.content.decode()
    opportunity.refresh_from_db()
    assert opportunity.status == Opportunity.Status.NOT_STARTED


def test_activate_with_a_tampered_version_changes_nothing(fx, client):
    opportunity = OpportunityFactory(contact=fx.CT100, salesperson=fx.JO, sales_cycle=fx.STD)
    response = client.post(
        reverse("opportunities:activate", args=[opportunity.number]),
        {"version": "x"},
        follow=True,
    )
    assert "The form was incomplete." in response.content.decode()
    opportunity.refresh_from_db()
    assert opportunity.status == Opportunity.Status.NOT_STARTED


def test_without_javascript_the_refresh_button_reloads_the_defaults(fx, client, opp_a):
    # The no-JS "refresh" submits the dialog's fields with GET: the typed date is kept and the
    # defaults follow the newly chosen action and target.
    response = client.get(
        url(opp_a),
        {
            "version": opp_a.version,
            "action": UpdateAction.SKIP,
            "to_stage": fx.stages[3].pk,
            "date_of_change": "2024-02-01",
            "estimated_value": "1",
            "refresh": "1",
        },
    )
    form = response.context["form"]
    assert form.initial["date_of_change"] == datetime.date(2024, 2, 1)
    assert form.initial["estimated_close_date"] == datetime.date(2024, 3, 1)
    assert form.initial["chances_of_success"] == Decimal(50)
    assert "Refresh the defaults for this action" in response.content.decode()


# --- dates and amounts at the edges of the calendar and of the money columns -------------------

D = datetime.date
OUT_OF_RANGE = "is out of range"
TOO_LARGE = "The amount is too large"


@pytest.mark.parametrize("date", ["9999-12-31", "2199-12-31", "0001-01-01"])
def test_the_update_dialog_offers_no_closing_date_out_of_range(fx, client, opp_a, date):
    # Stage 2's formula, 2W, leaves the calendar from the first date, passes the last accepted
    # date from the second, and stays before the first accepted date from the third.
    response = client.get(url(opp_a), {"action": UpdateAction.NEXT, "date_of_change": date})
    assert response.status_code == 200
    initial = response.context["form"].initial
    assert initial["date_of_change"] == D.fromisoformat(date)
    assert initial["estimated_close_date"] is None


def test_an_update_dated_in_year_9999_is_refused_on_the_dialog(fx, client, opp_a):
    response = assert_refused(
        "date_out_of_range",
        client.post,
        url(opp_a),
        {
            "version": opp_a.version,
            "action": UpdateAction.UPDATE,
            "date_of_change": "9999-12-25",
            "estimated_close_date": "9999-12-31",
        },
    )
    assert response.status_code == 200
    assert OUT_OF_RANGE in response.content.decode()


def test_an_opportunity_dated_in_year_9999_still_opens_its_dialogs(fx, client, opp_a):
    # As rows written before the dates were checked can be.
    OpportunityEntry.objects.filter(opportunity=opp_a).update(date_of_change=D(9999, 12, 25))
    opportunity = Opportunity.objects.get(pk=opp_a.pk)
    for page in dialog_urls(opportunity):
        assert client.get(page).status_code == 200, page
    form = client.get(url(opportunity)).context["form"]
    assert form.initial["date_of_change"] == D(9999, 12, 25)
    assert form.initial["estimated_close_date"] is None
    response = assert_refused(
        "date_out_of_range",
        client.post,
        url(opportunity),
        {"version": opportunity.version, "action": UpdateAction.UPDATE},
    )
    assert OUT_OF_RANGE in response.content.decode()


def test_an_estimated_value_past_the_largest_amount_is_refused_on_the_dialog(fx, client, opp_a):
    response = assert_refused(
        "amount_too_large",
        client.post,
        url(opp_a),
        {
            "version": opp_a.version,
            "action": UpdateAction.UPDATE,
            "estimated_value": "9999999999999999.99",
        },
    )
    assert response.status_code == 200
    assert TOO_LARGE in response.content.decode()
    assert client.get(reverse("opportunities:list")).status_code == 200
