"""The totals under the opportunity list: count and sums over every matching row, not the page."""

import html
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from opportunities import services
from opportunities.models import Opportunity
from opportunities.templatetags.crm import money

pytestmark = pytest.mark.django_db
LIST = reverse("opportunities:list")
TOTALS = reverse("opportunities:totals")


def from_scratch(rows) -> dict:
    """What the totals must say, added up in Python row by row."""
    rows = list(rows)
    return {
        "count": len(rows),
        "estimated": sum((row.estimated_value for row in rows), Decimal(0)),
        "current": sum((row.calcd_current_value for row in rows), Decimal(0)),
    }


@pytest.fixture
def thirty(fx):
    """Thirty opportunities of JO and AH with different values, a third of them lost."""
    for index in range(30):
        opportunity = fx.create_opp_a(
            description=f"Deal {index}",
            salesperson=fx.JO if index % 2 else fx.AH,
            estimated_value=Decimal(1000 + 37 * index),
        )
        if index % 3 == 0:
            services.close_opportunity(opportunity, outcome="lost", close_code=fx.L_COMP)


def test_the_totals_add_up_every_matching_row_not_only_the_page(client, thirty):
    listed = client.get(LIST, {"per_page": 10})
    assert len(listed.context["rows"]) == 10
    totals = client.get(TOTALS, {"per_page": 10}).context["totals"]
    assert totals == from_scratch(Opportunity.objects.all())
    assert totals["count"] == 30


@pytest.mark.parametrize(
    ("query", "rows"),
    [
        ({"status": "open"}, lambda: Opportunity.objects.open()),
        ({"status": "closed"}, lambda: Opportunity.objects.closed()),
        ({"salesperson": "JO"}, lambda: Opportunity.objects.filter(salesperson__code="JO")),
        ({"q": "Deal 1"}, lambda: Opportunity.objects.filter(description__icontains="Deal 1")),
        (
            {"salesperson": "AH", "status": "open"},
            lambda: Opportunity.objects.open().filter(salesperson__code="AH"),
        ),
    ],
)
def test_the_totals_follow_the_list_s_filters(client, thirty, query, rows):
    totals = client.get(TOTALS, query).context["totals"]
    assert totals == from_scratch(rows())
    assert 0 < totals["count"] < 30


def test_the_totals_are_one_aggregate_query(client, thirty):
    client.get(TOTALS)  # the permissions and the session are read once
    with CaptureQueriesContext(connection) as queries:
        client.get(TOTALS, {"status": "open"})
    table = f'"{Opportunity._meta.db_table}"'
    on_table = [q["sql"] for q in queries if table in q["sql"]]
    assert len(on_table) == 1
    assert "SUM(" in on_table[0].upper() and "COUNT(" in on_table[0].upper()


def test_a_salesperson_s_totals_are_of_their_own_open_opportunities_like_their_list(
    fx, seller_client, thirty
):
    totals = seller_client.get(TOTALS).context["totals"]
    assert totals == from_scratch(Opportunity.objects.open().filter(salesperson=fx.JO))
    everyone = seller_client.get(TOTALS, {"salesperson": ""}).context["totals"]
    assert everyone == from_scratch(Opportunity.objects.all())


def test_the_list_loads_its_totals_after_itself_and_links_to_them_without_javascript(
    client, thirty
):
    content = client.get(LIST, {"status": "open", "sort": "contact"}).content.decode()
    loader = re.search(r'<div id="list-totals"[^>]*>\s*<a href="([^"]*)">', content)
    assert 'data-hx-trigger="load"' in loader.group()
    url = html.unescape(loader.group(1))
    assert f'data-hx-get="{loader.group(1)}"' in loader.group()
    assert url == f"{TOTALS}?status=open&sort=contact"
    page = client.get(url)  # the plain link: a page of its own, with the figures
    assert page.status_code == 200
    assert "<html" in page.content.decode()
    assert page.context["totals"] == from_scratch(Opportunity.objects.open())


def test_the_totals_link_leaves_the_page_out(client, thirty):
    first = client.get(LIST, {"per_page": 10}).content.decode()
    following = re.search(r'href="(\?[^"]*after=[^"]*)"', first).group(1)
    second = client.get(LIST + html.unescape(following)).content.decode()
    loader = re.search(r'<div id="list-totals"[^>]*>\s*<a href="([^"]*)">', second)
    assert html.unescape(loader.group(1)) == f"{TOTALS}?per_page=10"


def test_htmx_gets_the_figures_only_in_the_user_s_language(client, thirty):
    expected = from_scratch(Opportunity.objects.all())
    response = client.get(TOTALS, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="list-totals")
    content = response.content.decode()
    assert "<html" not in content
    assert money(expected["estimated"]) == f"{expected['estimated']:,.2f}"
    assert money(expected["estimated"]) in content and money(expected["current"]) in content
    client.post(reverse("set_language"), {"language": "fr", "next": LIST})
    french = client.get(TOTALS, HTTP_HX_REQUEST="true").content.decode()
    assert "Valeur estimée" in french
    with translation.override("fr"):
        assert money(expected["estimated"]) in french


def test_a_filter_change_loads_the_totals_again_but_another_page_keeps_them(client, thirty):
    htmx = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "results"}
    filtered = client.get(LIST, {"status": "open"}, **htmx).content.decode()
    assert 'id="list-totals"' in filtered and 'data-hx-swap-oob="true"' in filtered
    paged = client.get(LIST, {"page": "last"}, **htmx).content.decode()
    assert 'id="list-totals"' not in paged


@pytest.mark.parametrize("query", [{"contact": "NOPE"}, {"sort": "password"}, {"status": "x"}])
def test_a_wrong_filter_gives_no_totals_and_says_why(client, thirty, query):
    response = client.get(TOTALS, query)
    assert response.status_code == 200
    assert response.context["totals"] is None
    assert "a filter is not valid" in response.content.decode()
