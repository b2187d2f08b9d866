"""Paging of the lists: rows per page (10, 25, 50, 100) and where the page is ("26-50 of 60")."""

import html
import re

import pytest
from django.http import QueryDict
from django.urls import reverse

from opportunities.views.lists import OpportunityListView

pytestmark = pytest.mark.django_db
LIST = reverse("opportunities:list")
PAGE_LINK = re.compile(r'<a class="page-link" href="([^"]*)"[^>]*>([^<]*)</a>')
PLACE = re.compile(r'<p class="pagination-total[^>]*>\s*(.*?)\s*</p>', re.S)


def links(response) -> dict[str, str]:
    content = response.content.decode()
    return {text.lower(): html.unescape(href) for href, text in PAGE_LINK.findall(content)}


def place(response) -> str:
    return " ".join(PLACE.search(response.content.decode()).group(1).split())


def numbers(response) -> list[str]:
    return [row.number for row in response.context["rows"]]


@pytest.fixture
def sixty(fx) -> list[str]:
    """Sixty opportunities, newest (the list's first row) first."""
    made = [fx.create_opp_a(description=f"Deal {index}").number for index in range(60)]
    return made[::-1]


def test_a_page_says_which_rows_it_shows_going_forward_and_back(client, sixty):
    first = client.get(LIST)
    assert place(first) == "1\N{EN DASH}25 of 60 opportunities"
    second = client.get(LIST + links(first)["next"])
    assert numbers(second) == sixty[25:50]
    assert place(second) == "26\N{EN DASH}50 of 60 opportunities"
    third = client.get(LIST + links(second)["next"])
    assert numbers(third) == sixty[50:]
    assert place(third) == "51\N{EN DASH}60 of 60 opportunities"
    back = client.get(LIST + links(third)["previous"])  # a "before" cursor
    assert numbers(back) == sixty[25:50]
    assert place(back) == "26\N{EN DASH}50 of 60 opportunities"
    start = client.get(LIST + links(back)["previous"])
    assert numbers(start) == sixty[:25]
    assert place(start) == "1\N{EN DASH}25 of 60 opportunities"


def test_the_last_page_knows_its_place_when_the_count_is_exact(client, sixty):
    last = client.get(LIST, {"page": "last"})
    assert numbers(last) == sixty[35:]
    assert place(last) == "36\N{EN DASH}60 of 60 opportunities"
    before_last = client.get(LIST + links(last)["previous"])
    assert numbers(before_last) == sixty[10:35]
    assert place(before_last) == "11\N{EN DASH}35 of 60 opportunities"


def test_beyond_the_cap_the_last_page_says_last_rows_and_the_others_their_place(
    client, sixty, monkeypatch
):
    monkeypatch.setattr(OpportunityListView, "count_cap", 40)
    first = client.get(LIST)
    assert place(first) == "1\N{EN DASH}25 of 40+ opportunities"
    second = client.get(LIST + links(first)["next"])
    assert place(second) == "26\N{EN DASH}50 of 40+ opportunities"
    last = client.get(LIST, {"page": "last"})
    assert place(last) == "Last 25 rows of 40+ opportunities"
    before_last = client.get(LIST + links(last)["previous"])
    assert numbers(before_last) == sixty[10:35]
    assert place(before_last) == "25 rows of 40+ opportunities"  # no position to tell


@pytest.mark.parametrize("at", ["x", "-3", "0", "1e9", "99999999999999999999999", "٣", "2.5"])
def test_a_position_typed_by_hand_changes_no_rows_and_never_fails(client, sixty, at):
    first = client.get(LIST)
    after = QueryDict(links(first)["next"].removeprefix("?"))["after"]
    response = client.get(LIST, {"after": after, "at": at})
    assert response.status_code == 200
    assert numbers(response) == sixty[25:50]
    assert place(response) in {"25 rows of 60 opportunities", "26\N{EN DASH}50 of 60 opportunities"}


def test_a_position_beyond_the_count_is_kept_within_it(client, sixty):
    first = client.get(LIST)
    after = QueryDict(links(first)["next"].removeprefix("?"))["after"]
    response = client.get(LIST, {"after": after, "at": "5000"})
    assert place(response) == "35\N{EN DASH}59 of 60 opportunities"  # a next page follows it


@pytest.mark.parametrize("size", [10, 25, 50, 100])
def test_the_rows_per_page_are_chosen_among_10_25_50_and_100(client, sixty, size):
    response = client.get(LIST, {"per_page": size})
    assert numbers(response) == sixty[:size]
    selected = re.search(r'<option value="(\d+)" selected>', response.content.decode())
    assert selected.group(1) == str(size)


@pytest.mark.parametrize("size", ["7", "1000", "x", "-25", "", "25.0"])
def test_another_page_size_is_the_default_without_an_error(client, sixty, size):
    response = client.get(LIST, {"per_page": size})
    assert response.status_code == 200
    assert numbers(response) == sixty[:25]


def test_the_page_size_travels_with_the_page_links_and_the_filter_pane(client, sixty):
    first = client.get(LIST, {"per_page": "10", "q": "Deal", "sort": "-number"})
    following = QueryDict(links(first)["next"].removeprefix("?"))
    assert following["per_page"] == "10" and following["q"] == "Deal"
    assert following["at"] == "11"
    second = client.get(LIST + links(first)["next"])
    assert numbers(second) == sixty[10:20]
    assert place(second) == "11\N{EN DASH}20 of 60 opportunities"
    content = first.content.decode()
    assert '<input type="hidden" name="per_page" value="10" form="filter-form">' in content
    last = QueryDict(links(first)["last"].removeprefix("?"))
    assert last["per_page"] == "10" and "at" not in last


def test_the_page_size_form_keeps_the_filters_and_starts_at_the_first_page(client, sixty):
    first = client.get(LIST, {"q": "Deal"})
    second = client.get(LIST + links(first)["next"])
    form = re.search(
        r'<form method="get"[^>]*class="per-page-form[^"]*".*?</form>',
        second.content.decode(),
        re.S,
    )
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)">', form.group()))
    assert hidden == {"q": "Deal"}  # no cursor, no position: the first page of the new size
    assert "<noscript>" in form.group()  # without JavaScript, a button submits it


def test_a_list_page_s_statements_do_not_depend_on_the_page_size(client, sixty):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for size in (10, 100):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(LIST, {"per_page": size}).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
