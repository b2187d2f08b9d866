"""Overdue opportunities: open ones whose estimated closing date has passed, marked in the
list and on the card (in words, not by colour alone), and the list's "Overdue" filter."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from opportunities import services
from opportunities.models import Opportunity

pytestmark = pytest.mark.django_db
LIST = reverse("opportunities:list")


@pytest.fixture
def dates():
    today = timezone.localdate()
    return today - datetime.timedelta(days=1), today, today + datetime.timedelta(days=1)


@pytest.fixture
def late(fx, dates):
    return fx.create_opp_a(description="Late deal", estimated_close_date=dates[0])


@pytest.fixture
def due_today(fx, dates):
    return fx.create_opp_a(description="Due today", estimated_close_date=dates[1])


@pytest.fixture
def late_but_closed(fx, dates):
    opportunity = fx.create_opp_a(description="Late but lost", estimated_close_date=dates[0])
    services.close_opportunity(opportunity, outcome="lost", close_code=fx.L_COMP)
    return opportunity


def row_of(response, opportunity) -> str:
    content = response.content.decode()
    start = content.index(f'<tr id="row-{opportunity.number}"')
    return content[start : content.index("</tr>", start)]


def test_an_open_opportunity_past_its_closing_date_is_overdue_and_one_due_today_is_not(
    late, due_today, late_but_closed
):
    assert list(Opportunity.objects.overdue().order_by("pk")) == [late]


def test_the_list_marks_an_overdue_row_in_words_and_leaves_the_others_unmarked(
    client, late, due_today, late_but_closed
):
    response = client.get(LIST)
    assert response.status_code == 200
    late_row = row_of(response, late)
    assert "row-overdue" in late_row
    assert "Overdue" in late_row
    for other in (due_today, late_but_closed):
        assert "Overdue" not in row_of(response, other)
        assert "row-overdue" not in row_of(response, other)


def test_the_overdue_filter_lists_only_the_overdue_opportunities(
    client, late, due_today, late_but_closed
):
    response = client.get(LIST, {"status": "overdue"})
    assert response.status_code == 200
    assert [row.number for row in response.context["rows"]] == [late.number]


def test_the_status_filter_offers_overdue(client, late):
    content = client.get(LIST).content.decode()
    assert '<option value="overdue">Overdue</option>' in content


def test_the_card_of_an_overdue_opportunity_says_it_is_overdue(client, late, due_today):
    assert "Overdue" in client.get(late.get_absolute_url()).content.decode()
    assert "Overdue" not in client.get(due_today.get_absolute_url()).content.decode()


def test_the_overdue_mark_is_french_in_french(client, late):
    client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    assert "En retard" in row_of(client.get(LIST), late)
