"""Deleting one closed opportunity, and the batch page "Delete opportunities"."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from opportunities import services
from opportunities.models import Opportunity, OpportunityEntry
from tests.snapshots import database_state

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
    before = database_state()
    response = client.post(url(opp_a), {"version": opp_a.version})
    assert "You can only delete closed opportunities." in response.content.decode()
    assert database_state() == before


def test_a_stale_delete_is_refused(fx, client, opp_a):
    services.close_opportunity(opp_a, outcome="lost", close_code=fx.L_COMP)
    response = client.post(url(opp_a), {"version": opp_a.version - 1})
    assert "was changed by someone else" in response.content.decode()
    assert Opportunity.objects.exists()


def test_a_salesperson_may_not_delete(fx, seller_client, opp_a):
    services.close_opportunity(opp_a, outcome="lost", close_code=fx.L_COMP)
    assert seller_client.get(url(opp_a)).status_code == 403
    assert seller_client.post(url(opp_a), {"version": opp_a.version}).status_code == 403
    assert seller_client.get(BATCH).status_code == 403


@pytest.fixture
def batch(fx):
    """ACCEPTANCE 28: OP1 won by JO on 2024-01-31, OP2 lost by AH on 2024-02-10, OP3 open."""
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


def test_the_batch_preview_counts_and_deletes_nothing(fx, client, batch):
    before = database_state()
    response = client.get(BATCH, {"preview": "1", "salesperson": "JO"})
    assert response.context["preview"] == 1
    assert "1 closed opportunity will be deleted." in response.content.decode()
    assert database_state() == before
    everything = client.get(BATCH, {"preview": "1"})
    assert "2 closed opportunities will be deleted." in everything.content.decode()


def test_the_batch_deletes_after_confirmation_and_reports_the_count(fx, client, batch):
    op1, _, op3 = batch
    response = client.post(
        BATCH, {"date_closed_from": "2024-02-01", "date_closed_to": "2024-02-29"}, follow=True
    )
    assert "1 closed opportunity was deleted." in response.content.decode()
    assert set(Opportunity.objects.values_list("number", flat=True)) == {op1.number, op3.number}
    response = client.post(BATCH, {}, follow=True)
    assert "1 closed opportunity was deleted." in response.content.decode()
    assert list(Opportunity.objects.values_list("number", flat=True)) == [op3.number]


def test_the_batch_page_without_a_preview_asks_for_filters(fx, client, batch):
    response = client.get(BATCH)
    assert response.context["preview"] is None
    assert "Nothing is deleted before you confirm." in response.content.decode()


@pytest.mark.parametrize(
    "data",
    [
        {"date_closed_from": "2024-02-31"},
        {"salesperson": "NOPE"},
        {"contact": "CT999"},
        {"sales_cycle": "NOPE"},
    ],
)
def test_bad_batch_filters_are_form_errors_and_delete_nothing(fx, client, batch, data):
    before = database_state()
    preview = client.get(BATCH, {"preview": "1", **data})
    assert preview.status_code == 200
    assert preview.context["form"].errors
    assert preview.context["preview"] is None
    response = client.post(BATCH, data)
    assert response.status_code == 200
    assert database_state() == before


def test_batch_filters_by_number_contact_and_cycle(fx, client, batch):
    _, op2, _ = batch
    count = client.get(BATCH, {"preview": "1", "number_from": op2.number.lower()})
    assert count.context["preview"] == 1
    assert client.get(BATCH, {"preview": "1", "contact": "CT100"}).context["preview"] == 2
    assert client.get(BATCH, {"preview": "1", "sales_cycle": "OLD"}).context["preview"] == 0
