"""The contact and salesperson lists page and filter the way the opportunity list does: keyset
pages of 10, 25, 50 or 100 rows, where the page is, the filter pane above the table."""

import html
import re

import pytest
from django.db import connection
from django.http import QueryDict
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contacts.models import Contact, Salesperson
from opportunities.roles import SALES_MANAGER
from tests.conftest import user_with_role
from tests.factories import ContactFactory, SalespersonFactory

pytestmark = pytest.mark.django_db
CONTACTS = reverse("contacts:contact_list")
SALESPEOPLE = reverse("contacts:salesperson_list")
PAGE_LINK = re.compile(r'<a class="page-link" href="([^"]*)"[^>]*>([^<]*)</a>')
PLACE = re.compile(r'<p class="pagination-total[^>]*>\s*(.*?)\s*</p>', re.S)


@pytest.fixture
def client(fx) -> Client:
    client = Client()
    client.force_login(user_with_role("manager", SALES_MANAGER, fx.AH))
    return client


def links(response) -> dict[str, str]:
    content = response.content.decode()
    return {text.lower(): html.unescape(href) for href, text in PAGE_LINK.findall(content)}


def place(response) -> str:
    return " ".join(PLACE.search(response.content.decode()).group(1).split())


def shown(response, field: str) -> list[str]:
    return [getattr(row, field) for row in response.context["object_list"]]


def walk(client, url: str, params: dict, field: str, direction: str) -> list[str]:
    response = client.get(url, params)
    seen = shown(response, field)
    while link := links(response).get(direction):
        response = client.get(url + link)
        rows = shown(response, field)
        seen = rows + seen if direction == "previous" else seen + rows
    return seen


@pytest.fixture
def many_contacts(fx) -> list[str]:
    ContactFactory.create_batch(40, salesperson=fx.JO)
    return list(Contact.objects.order_by("number").values_list("number", flat=True))


@pytest.fixture
def many_salespeople(fx) -> list[str]:
    for index in range(30):
        SalespersonFactory(code=f"S{index:03}")
    return list(Salesperson.objects.order_by("code").values_list("code", flat=True))


def test_the_contact_list_pages_by_number_and_says_where_the_page_is(client, many_contacts):
    total = len(many_contacts)
    first = client.get(CONTACTS, {"per_page": 10})
    assert shown(first, "number") == many_contacts[:10]
    assert place(first) == f"1\N{EN DASH}10 of {total} contacts"
    second = client.get(CONTACTS + links(first)["next"])
    assert shown(second, "number") == many_contacts[10:20]
    assert place(second) == f"11\N{EN DASH}20 of {total} contacts"
    back = client.get(CONTACTS + links(second)["previous"])
    assert shown(back, "number") == many_contacts[:10]
    last = client.get(CONTACTS + links(first)["last"])
    assert shown(last, "number") == many_contacts[-10:]
    assert place(last) == f"{total - 9}\N{EN DASH}{total} of {total} contacts"


def test_every_contact_is_on_one_page_once_both_ways(client, many_contacts):
    forward = walk(client, CONTACTS, {"per_page": 10}, "number", "next")
    backward = walk(client, CONTACTS, {"per_page": 10, "page": "last"}, "number", "previous")
    assert forward == backward == many_contacts


def test_the_contact_filters_travel_with_the_page_links(fx, client, many_contacts):
    first = client.get(CONTACTS, {"type": "company", "per_page": 10})
    following = QueryDict(links(first)["next"].removeprefix("?"))
    assert following["type"] == "company" and following["per_page"] == "10"
    companies = Contact.objects.filter(type="company").order_by("number")
    second = client.get(CONTACTS + links(first)["next"])
    assert shown(second, "number") == list(companies.values_list("number", flat=True))[10:20]


def test_the_salesperson_list_pages_the_same_way(client, many_salespeople):
    total = len(many_salespeople)
    first = client.get(SALESPEOPLE, {"per_page": 10})
    assert shown(first, "code") == many_salespeople[:10]
    assert place(first) == f"1\N{EN DASH}10 of {total} salespeople"
    assert walk(client, SALESPEOPLE, {"per_page": 10}, "code", "next") == many_salespeople
    default = client.get(SALESPEOPLE)
    assert shown(default, "code") == many_salespeople[:25]


@pytest.mark.parametrize("url", [CONTACTS, SALESPEOPLE])
def test_a_bad_page_size_is_the_default_and_a_bad_cursor_a_404(
    client, many_contacts, many_salespeople, url
):
    assert len(client.get(url, {"per_page": "13"}).context["object_list"]) == 25
    assert client.get(url, {"page": "7"}).status_code == 404
    assert client.get(url, {"at": "-1"}).status_code == 200


@pytest.mark.parametrize("url", [CONTACTS, SALESPEOPLE])
def test_the_filter_pane_is_where_the_opportunity_list_has_it(client, url):
    content = client.get(url).content.decode()
    opportunities = client.get(reverse("opportunities:list")).content.decode()
    pane = '<div class="collapse d-md-block filter-collapse" id="filters">'
    toggle = 'data-bs-target="#filters"'
    for page in (content, opportunities):
        assert pane in page and toggle in page and 'id="filter-form"' in page
        # The pane comes after the heading and before the results, above the table.
        assert page.index("<h1") < page.index(pane) < page.index('id="results"')
    assert "<aside" not in content


@pytest.mark.parametrize("url", [CONTACTS, SALESPEOPLE])
def test_a_deep_page_costs_the_statements_of_the_first(
    client, many_contacts, many_salespeople, url
):
    first = client.get(url, {"per_page": 10})
    with CaptureQueriesContext(connection) as at_first:
        client.get(url, {"per_page": 10})
    with CaptureQueriesContext(connection) as at_last:
        client.get(url + links(first)["last"])
    assert len(at_first) == len(at_last)
    counts = [q["sql"] for q in at_last if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1 and "LIMIT" in counts[0].upper()  # the capped count
    assert not any(" OFFSET " in q["sql"].upper() for q in at_last)


def test_the_sales_cycle_list_uses_the_same_pager(fx, client):
    response = client.get(reverse("salescycles:list"))
    assert response.status_code == 200
    assert "sales cycle" in place(response)
    assert 'name="per_page"' in response.content.decode()
