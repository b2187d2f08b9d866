"""Deleting one closed opportunity, and the batch page "Delete opportunities"."""

import datetime
import time
from decimal import Decimal

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from opportunities import services
from opportunities.models import Opportunity, OpportunityEntry
from opportunities.roles import SALES_MANAGER
from opportunities.views.batch import BATCH_CONFIRMATION_MAX_AGE
from tests.conftest import user_with_role
from tests.jobs.workers import run_jobs
from tests.snapshots import assert_refused, database_state
from tests.views.test_batch_progress import confirmation, delete_through_the_job, form_fields

pytestmark = pytest.mark.django_db
BATCH = reverse("opportunities:batch_delete")
D = datetime.date


def url(opportunity):
    return reverse("opportunities:delete", args=[opportunity.number])


def test_delete_a_closed_opportunity_after_a_confirmation(fx, client, opp_a):
    services.close_opportunity(opp_a, outcome="lost", close_code=fx.L_COMP)
    page = client.get(url(opp_a))
    assert "Delete OP000001 and all its entries?" in page.content.decode()
    response = client.post(url(opp_a), {"version": opp_a.version, "next": opp_a.get_absolute_url()})
    assert response["Location"] == reverse("opportunities:list")  # the card is gone
    assert not Opportunity.objects.exists()
    assert not OpportunityEntry.objects.exists()
    assert "OP000001 deleted." in client.get("/").content.decode()


def test_deleting_an_open_opportunity_is_refused(fx, client, opp_a):
    page = client.get(url(opp_a)).content.decode()
    assert "You can only delete closed opportunities." in page
    response = assert_refused("not_closed", client.post, url(opp_a), {"version": opp_a.version})
    assert "You can only delete closed opportunities." in response.content.decode()


def test_a_stale_delete_is_refused(fx, client, opp_a):
    services.close_opportunity(opp_a, outcome="lost", close_code=fx.L_COMP)
    response = assert_refused("stale", client.post, url(opp_a), {"version": opp_a.version - 1})
    assert "was changed by someone else" in response.content.decode()


def test_a_salesperson_may_not_delete(fx, seller_client, opp_a):
    services.close_opportunity(opp_a, outcome="lost", close_code=fx.L_COMP)
    assert seller_client.get(url(opp_a)).status_code == 403
    assert_refused("permission_denied", seller_client.post, url(opp_a), {"version": opp_a.version})
    assert seller_client.get(BATCH).status_code == 403


@pytest.fixture
def batch(fx):
    """OP1 won by JO on 2024-01-31, OP2 lost by AH on 2024-02-10, OP3 open."""
    op1 = fx.create_opp_a(description="OP1")
    services.close_opportunity(
        op1,
        outcome="won",
        close_code=fx.W_PRICE,
        sales_value=Decimal(1),
        date_closed=D(2024, 1, 31),
    )
    op2 = fx.create_opp_a(description="OP2", salesperson=fx.AH)
    services.close_opportunity(
        op2, outcome="lost", close_code=fx.L_COMP, date_closed=D(2024, 2, 10)
    )
    op3 = fx.create_opp_a(description="OP3")
    return op1, op2, op3


def preview(client, **filters):
    return client.get(BATCH, {"preview": "1", **filters})


def test_the_batch_preview_counts_and_deletes_nothing(fx, client, batch):
    before = database_state()
    response = preview(client, salesperson="JO")
    assert response.context["preview"] == 1
    assert "1 closed opportunity will be deleted." in response.content.decode()
    assert database_state() == before
    everything = preview(client, all_closed="on")
    assert "2 closed opportunities will be deleted." in everything.content.decode()
    assert database_state() == before


def test_the_preview_shows_the_filters_it_deletes_by(fx, client, batch):
    content = preview(client, salesperson="JO", number_from="op000001").content.decode()
    selection = content.split('id="batch-selection"')[1].split("</dl>")[0]
    assert "Salesperson" in selection and "JO Jo Ortega" in selection
    assert "Number from" in selection and "OP000001" in selection
    assert "Sales cycle" not in selection


def test_the_preview_of_all_closed_opportunities_says_so(fx, client, batch):
    content = preview(client, all_closed="on").content.decode()
    assert '<p id="batch-selection-all"><strong>All closed opportunities</strong>' in content


def test_a_preview_without_any_filter_is_refused_unless_all_closed_opportunities_is_chosen(
    fx, client, batch
):
    response = assert_refused("no_filter", preview, client)
    assert response.context["preview"] is None
    content = response.content.decode()
    assert "Choose at least one filter, or tick “All closed opportunities”" in content
    assert 'id="batch-confirm"' not in content


def test_all_closed_opportunities_together_with_a_filter_is_refused(fx, client, batch):
    response = assert_refused(
        "all_with_filters", preview, client, all_closed="on", salesperson="JO"
    )
    assert response.context["preview"] is None
    assert 'id="batch-confirm"' not in response.content.decode()


def test_the_batch_deletes_after_confirmation_and_reports_the_count(fx, client, batch):
    op1, _, op3 = batch
    data = confirmation(client, date_closed_from="2024-02-01", date_closed_to="2024-02-29")
    response = delete_through_the_job(client, data)
    assert "1 closed opportunity was deleted." in response.content.decode()
    assert set(Opportunity.objects.values_list("number", flat=True)) == {op1.number, op3.number}
    response = delete_through_the_job(client, confirmation(client, all_closed="on"))
    assert "1 closed opportunity was deleted." in response.content.decode()
    assert list(Opportunity.objects.values_list("number", flat=True)) == [op3.number]


def test_a_post_with_every_filter_empty_is_refused_and_deletes_nothing(fx, client, batch):
    response = assert_refused("no_filter", client.post, BATCH, {})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "data",
    [
        {"all_closed": "on"},
        {"all_closed": "True", "confirmation": ""},
        {"salesperson": "JO", "confirmation": "made-up"},
        {"salesperson": "JO", "confirmation": "e30:1tZbX1:not-our-signature"},
    ],
)
def test_a_confirmation_without_a_preview_is_refused_and_deletes_nothing(fx, client, batch, data):
    response = assert_refused("not_previewed", client.post, BATCH, data)
    assert response.status_code == 200
    assert "Nothing was deleted" in response.content.decode()


@pytest.mark.parametrize(
    ("changed", "shown"),
    [
        ({"salesperson": "AH"}, 1),
        ({"salesperson": "JO", "number_to": "OP000001"}, 1),
        ({"date_closed_to": "2024-12-31"}, 1),
        ({"salesperson": "", "all_closed": "True"}, 2),
    ],
)
def test_a_confirmation_whose_filters_differ_from_the_preview_is_refused(
    fx, client, batch, changed, shown
):
    data = {**confirmation(client, salesperson="JO"), **changed}

    response = assert_refused("filters_changed", client.post, BATCH, data)

    # The page shows the preview of what was posted again, to confirm knowingly.
    assert response.context["preview"] == shown
    again = form_fields(response, "batch-confirm")
    assert again["confirmation"] != data["confirmation"]
    client.post(BATCH, again)
    run_jobs()
    assert Opportunity.objects.closed().count() == 2 - shown


def test_a_confirmation_whose_filters_were_emptied_is_refused(fx, client, batch):
    data = {**confirmation(client, salesperson="JO"), "salesperson": ""}
    assert_refused("no_filter", client.post, BATCH, data)


def test_a_confirmation_of_another_user_is_refused(fx, client, batch):
    other = Client()
    other.force_login(user_with_role("other-manager", SALES_MANAGER))
    data = confirmation(other, all_closed="on")
    assert_refused("not_previewed", client.post, BATCH, data)


def test_a_confirmation_older_than_a_day_is_refused_and_shows_the_preview_again(
    fx, client, batch, monkeypatch
):
    two_days_ago = signing.b62_encode(int(time.time()) - 2 * BATCH_CONFIRMATION_MAX_AGE)
    with monkeypatch.context() as patch:
        patch.setattr(signing.TimestampSigner, "timestamp", lambda self: two_days_ago)
        data = confirmation(client, salesperson="JO")
    response = assert_refused("preview_expired", client.post, BATCH, data)
    assert response.context["preview"] == 1


def test_a_selection_that_grew_since_the_preview_is_refused_and_previewed_again(fx, client, batch):
    data = confirmation(client, salesperson="JO")
    late = fx.create_opp_a(description="Closed after the preview")
    services.close_opportunity(late, outcome="lost", close_code=fx.L_COMP)

    response = assert_refused("selection_grew", client.post, BATCH, data)

    assert response.context["preview"] == 2
    assert "2 closed opportunities will be deleted." in response.content.decode()


def test_a_selection_that_shrank_since_the_preview_is_still_deleted(fx, client, batch):
    _, op2, op3 = batch
    data = confirmation(client, all_closed="on")
    services.delete_opportunity(Opportunity.objects.get(pk=op2.pk))
    response = delete_through_the_job(client, data)
    assert "closed opportunity was deleted." in response.content.decode()
    assert list(Opportunity.objects.all()) == [op3]


def test_the_batch_page_without_a_preview_asks_for_filters(fx, client, batch):
    response = client.get(BATCH)
    assert response.context["preview"] is None
    assert "Nothing is deleted before you confirm." in response.content.decode()
    assert not response.context["form"].errors


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"date_closed_from": "2024-02-31"}, "invalid"),
        ({"salesperson": "NOPE"}, "invalid_choice"),
        ({"contact": "CT999"}, "invalid_choice"),
        ({"sales_cycle": "NOPE"}, "invalid_choice"),
    ],
)
def test_bad_batch_filters_are_form_errors_and_delete_nothing(fx, client, batch, data, code):
    preview_page = assert_refused(code, preview, client, **data)
    assert preview_page.status_code == 200
    assert preview_page.context["preview"] is None
    response = assert_refused(code, client.post, BATCH, data)
    assert response.status_code == 200


def test_batch_filters_by_number_contact_and_cycle(fx, client, batch):
    _, op2, _ = batch
    assert preview(client, number_from=op2.number.lower()).context["preview"] == 1
    assert preview(client, contact="CT100").context["preview"] == 2
    assert preview(client, sales_cycle="OLD").context["preview"] == 0
