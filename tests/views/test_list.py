"""The opportunity list: filters, sorting, pagination, row actions, and its query count."""

import datetime
import html
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contacts.models import Salesperson
from opportunities import services
from opportunities.models import Opportunity, UpdateAction
from tests.factories import OpportunityFactory
from tests.postgres import require_postgresql_database

pytestmark = pytest.mark.django_db
LIST = reverse("opportunities:list")


def numbers(response) -> list[str]:
    return [opportunity.number for opportunity in response.context["rows"]]


PAGE_LINK = re.compile(r'<a class="page-link" href="([^"]*)"[^>]*>([^<]*)</a>')


def page_links(response) -> dict[str, str]:
    """The pagination's links by their text ("next", "last"...), as the browser follows them."""
    content = response.content.decode()
    return {text.lower(): html.unescape(href) for href, text in PAGE_LINK.findall(content)}


def query(link: str) -> dict[str, list[str]]:
    return dict(QueryDict(link.removeprefix("?")).lists())


def make_opportunities(fx, count: int) -> None:
    """A mix of states, quotes and orders, for the query-count guard."""
    for index in range(count):
        contact = [fx.CT100, fx.CT101, fx.CT200][index % 3]
        opportunity = fx.create_opp_a(description=f"Deal {index}", contact=contact)
        if index % 5 == 1 and contact.is_company:
            quote = services.create_quote(opportunity)
            services.add_quote_line(
                quote, description="Desk", quantity=Decimal(1), unit_price=Decimal(100)
            )
        if index % 5 == 2:
            services.close_opportunity(opportunity, outcome="lost", close_code=fx.L_COMP)
        if index % 5 == 3:
            OpportunityFactory(
                contact=fx.CT300, salesperson=fx.AH, sales_cycle=fx.STD
            )  # not started


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "url",
    [
        LIST,
        LIST + "?salesperson=JO&status=open&sort=-estimated_value",
        LIST + "?contact=CT100&q=deal&sort=contact",
    ],
)
def test_the_number_of_queries_does_not_grow_with_the_rows(fx, client, seller_client, url):
    make_opportunities(fx, 5)
    few = count_queries(client, url), count_queries(seller_client, url)
    make_opportunities(fx, 45)
    assert Opportunity.objects.count() > 25
    many = count_queries(client, url), count_queries(seller_client, url)
    assert few == many
    assert many[0] <= 12  # the manager's own salesperson (their "Mine" switch) is one of them


def test_a_row_shows_number_description_contact_salesperson_status_stage_date_and_values(
    client, opp_a
):
    content = client.get(LIST).content.decode()
    for text in (
        "OP000001",
        "Deal A",
        "Adatum",
        "JO",
        "In progress",
        "Initial",
        "03/31/2024",
        "10,000.00",
        "300.00",
    ):
        assert text in content


def test_the_list_filters_by_salesperson_and_says_so_in_its_title(fx, client, opp_a):
    fx.create_opp_a(salesperson=fx.AH, description="Deal B")
    response = client.get(LIST, {"salesperson": "JO"})
    assert numbers(response) == [opp_a.number]
    assert response.context["title"] == "Opportunities of salesperson JO"


def test_a_company_list_includes_its_persons_opportunities(fx, client, opp_a):
    robert = fx.create_opp_a(contact=fx.CT101, description="Robert's")
    fx.create_opp_a(contact=fx.CT200, description="Litware")
    response = client.get(LIST, {"contact": "CT100"})
    assert sorted(numbers(response)) == sorted([opp_a.number, robert.number])
    assert numbers(client.get(LIST, {"contact": "CT101"})) == [robert.number]


def test_an_unknown_contact_number_is_a_filter_error_not_a_crash(client, opp_a):
    response = client.get(LIST, {"contact": "NOPE"})
    assert response.status_code == 200
    assert "There is no contact with this number." in response.content.decode()
    assert numbers(response) == []


def test_open_and_closed(fx, client, opp_a):
    lost = fx.create_opp_a(description="Lost one")
    services.close_opportunity(lost, outcome="lost", close_code=fx.L_COMP)
    assert numbers(client.get(LIST, {"status": "open"})) == [opp_a.number]
    closed = client.get(LIST, {"status": "closed"})
    assert numbers(closed) == [lost.number]
    assert closed.context["title"] == "Closed opportunities"


def test_the_other_filters(fx, client, opp_a):
    second = fx.create_opp_a(description="Printers", priority="high")
    services.update_opportunity(second, action=UpdateAction.NEXT, today=datetime.date(2024, 1, 20))
    assert numbers(client.get(LIST, {"q": "print"})) == [second.number]
    assert numbers(client.get(LIST, {"q": "OP000001"})) == [opp_a.number]
    assert numbers(client.get(LIST, {"priority": "high"})) == [second.number]
    assert numbers(client.get(LIST, {"current_stage": fx.stages[2].pk})) == [second.number]
    assert set(numbers(client.get(LIST, {"sales_cycle": "STD"}))) == {
        opp_a.number,
        second.number,
    }
    assert numbers(
        client.get(LIST, {"closing_from": "2024-02-01", "closing_to": "2024-02-29"})
    ) == [second.number]


def test_sorting_uses_whitelisted_keys_only(fx, client, opp_a):
    big = fx.create_opp_a(estimated_value=Decimal(50000), description="Big")
    assert numbers(client.get(LIST, {"sort": "-estimated_value"})) == [big.number, opp_a.number]
    assert numbers(client.get(LIST, {"sort": "estimated_value"})) == [opp_a.number, big.number]
    response = client.get(LIST, {"sort": "contact__salesperson__user__password"})
    assert response.status_code == 200
    assert numbers(response) == []  # an invalid filter shows its error and no rows
    assert response.context["filter"].errors


def test_pagination_shows_the_total_and_a_bad_page_is_a_404(fx, client):
    for index in range(30):
        fx.create_opp_a(description=f"Deal {index}")
    response = client.get(LIST)
    assert len(response.context["rows"]) == 25
    assert "1\N{EN DASH}25 of 30 opportunities" in response.content.decode()
    assert len(client.get(LIST, {"page": "last"}).context["rows"]) == 25
    assert client.get(LIST, {"page": "x"}).status_code == 404
    assert client.get(LIST, {"page": 99}).status_code == 404
    assert client.get(LIST, {"after": "x"}).status_code == 404
    assert client.get(LIST, {"sort": "contact", "after": "12"}).status_code == 404


def walk(client, params: dict, direction: str) -> list[str]:
    """Every number, page by page, following the "next" (or "previous") links."""
    response = client.get(LIST, params)
    seen = numbers(response)
    while link := page_links(response).get(direction):
        response = client.get(LIST + link)
        assert len(response.context["rows"]) <= 3
        seen = numbers(response) + seen if direction == "previous" else seen + numbers(response)
    return seen


@pytest.mark.parametrize(
    "sort",
    [
        "-number",
        "number",
        "contact",
        "-estimated_close_date",
        "stage",
        "-estimated_value",
        "current_value",
    ],
)
def test_keyset_pages_walk_every_row_once_in_order_both_ways(fx, client, sort, monkeypatch):
    from opportunities.views.lists import OpportunityListView

    monkeypatch.setattr(OpportunityListView, "paginate_by", 3)
    for index in range(8):
        opportunity = fx.create_opp_a(
            description=f"Deal {index}", contact=[fx.CT100, fx.CT200, fx.CT300][index % 3]
        )
        if index % 4 == 0:
            services.close_opportunity(opportunity, outcome="lost", close_code=fx.L_COMP)
    first_page = numbers(client.get(LIST, {"sort": sort}))
    forward = walk(client, {"sort": sort}, "next")
    backward = walk(client, {"sort": sort, "page": "last"}, "previous")
    assert len(forward) == 8 and len(set(forward)) == 8
    assert forward == backward
    assert forward[:3] == first_page
    if sort == "-number":
        assert forward == sorted(forward, reverse=True)


def test_the_first_and_last_links_lead_to_the_ends(fx, client, monkeypatch):
    from opportunities.views.lists import OpportunityListView

    monkeypatch.setattr(OpportunityListView, "paginate_by", 2)
    made = [fx.create_opp_a(description=f"Deal {index}").number for index in range(5)]
    first = client.get(LIST)
    assert set(page_links(first)) == {"next", "last"}
    last = client.get(LIST + page_links(first)["last"])
    assert numbers(last) == [made[1], made[0]]
    assert set(page_links(last)) == {"first", "previous"}
    assert numbers(client.get(LIST + page_links(last)["first"])) == [made[4], made[3]]


def test_the_page_links_keep_the_filters_and_the_sort_and_change_only_the_cursor(
    fx, client, monkeypatch
):
    from opportunities.views.lists import OpportunityListView

    monkeypatch.setattr(OpportunityListView, "paginate_by", 2)
    for index in range(5):
        fx.create_opp_a(description=f"Deal {index}", estimated_value=Decimal(1000 + index))
    kept = {"salesperson": ["JO"], "sort": ["-estimated_value"]}
    first = client.get(LIST, {"salesperson": "JO", "sort": "-estimated_value"})
    links = page_links(first)
    next_page = client.get(LIST + links["next"])
    assert query(links["next"]) == {
        **kept,
        "after": [query(links["next"])["after"][0]],
        "at": ["3"],
    }
    assert query(links["last"]) == {**kept, "page": ["last"]}
    back = page_links(next_page)
    assert query(back["first"]) == kept
    assert query(back["previous"]) == {
        **kept,
        "before": [query(back["previous"])["before"][0]],
        "at": ["1"],
    }
    assert numbers(client.get(LIST + back["previous"])) == numbers(first)


SORT_HEADER = re.compile(r'<th scope="col"([^>]*)>\s*<a class="sort-link[^"]*" href="([^"]*)"')


def sort_headers(response) -> dict[str, tuple[str, dict]]:
    """Each sortable column's header by the order it links to: its attributes and query."""
    headers = {}
    for attributes, href in SORT_HEADER.findall(response.content.decode()):
        link = query(html.unescape(href))
        headers[link["sort"][0]] = (attributes, link)
    return headers


def test_a_sort_header_sorts_by_its_column_then_reverses_it_from_the_first_page(fx, client, opp_a):
    response = client.get(LIST, {"status": "open", "sort": "contact", "after": "Adatum~1"})
    headers = sort_headers(response)
    assert set(headers) == {
        "number",
        "creation_date",
        "description",
        "-contact",
        "salesperson",
        "status",
        "stage",
        "estimated_close_date",
        "estimated_value",
        "current_value",
    }
    attributes, link = headers["-contact"]
    assert 'aria-sort="ascending"' in attributes
    assert link == {"status": ["open"], "sort": ["-contact"]}  # no cursor: its first page
    attributes, link = headers["estimated_value"]
    assert "aria-sort" not in attributes and 'class="num"' in attributes
    assert link == {"status": ["open"], "sort": ["estimated_value"]}
    reversed_order = sort_headers(client.get(LIST, {"sort": "-contact"}))
    assert 'aria-sort="descending"' in reversed_order["contact"][0]


def test_the_cards_tables_have_the_same_columns_without_sort_links(fx, client, opp_a):
    content = client.get(fx.CT100.get_absolute_url()).content.decode()
    assert "sort-link" not in content
    assert '<th scope="col" class="num">Estimated value</th>' in content
    assert f'id="row-{opp_a.number}"' in content


def test_the_filter_pane_shows_each_filter_through_its_own_widget(fx, client, opp_a):
    content = client.get(LIST, {"salesperson": "AH", "contact": "NOPE"}).content.decode()
    select = re.search(r'<select name="salesperson"([^>]*)>(.*?)</select>', content, re.S)
    assert 'class="form-select"' in select.group(1)
    options = re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select.group(2))
    assert options[0] == ("", "", "All")
    assert ("AH", " selected", "AH Annette Hill") in options
    assert {value for value, _selected, _label in options} == {
        "",
        *Salesperson.objects.values_list("code", flat=True),
    }
    contact = re.search(r'<input type="text" name="contact"[^>]*>', content).group()
    assert 'class="form-control is-invalid"' in contact and 'value="NOPE"' in contact
    assert "There is no contact with this number." in content
    assert '<input type="date" name="closing_from" class="form-control" id="id_closing_from">' in (
        content
    )
    assert '<label for="id_current_stage" class="form-label">Current stage</label>' in content


def salesperson_options(response) -> list[tuple[str, str, str]]:
    select = re.search(r'<select name="salesperson".*?</select>', response.content.decode(), re.S)
    return re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select.group())


def test_the_pane_s_selects_follow_the_data_the_choice_and_the_language(fx, client, opp_a):
    assert ("", " selected", "All") in salesperson_options(client.get(LIST))
    Salesperson.objects.filter(code="AH").update(name="Annette Hill-Moreau")
    Salesperson.objects.create(code="ZZ", name="Zoe Zed")
    options = salesperson_options(client.get(LIST, {"salesperson": "ZZ"}))
    assert ("ZZ", " selected", "ZZ Zoe Zed") in options
    assert ("AH", "", "AH Annette Hill-Moreau") in options
    assert ("", "", "All") in options
    client.post(reverse("set_language"), {"language": "fr", "next": LIST})
    assert ("", " selected", "Tous") in salesperson_options(client.get(LIST))


def test_the_chosen_sort_travels_with_the_filters_as_a_hidden_field(client, opp_a):
    content = client.get(LIST, {"sort": "-estimated_value"}).content.decode()
    assert '<input type="hidden" name="sort" value="-estimated_value" form="filter-form"' in content
    assert 'name="sort"' not in client.get(LIST).content.decode()


def test_the_count_stops_at_the_cap_and_says_so(fx, client, monkeypatch):
    from opportunities.views.lists import OpportunityListView

    monkeypatch.setattr(OpportunityListView, "count_cap", 3)
    for index in range(3):
        fx.create_opp_a(description=f"Deal {index}")
    assert "3 opportunities" in client.get(LIST).content.decode()
    fx.create_opp_a(description="One more")
    with CaptureQueriesContext(connection) as queries:
        content = client.get(LIST).content.decode()
    assert "3+ opportunities" in content
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1 and "LIMIT" in counts[0].upper()


@pytest.mark.parametrize("params", [{}, {"page": "last"}, {"contact": "CT100", "status": "open"}])
def test_a_page_is_one_query_on_opportunities_plus_one_count(fx, client, params):
    make_opportunities(fx, 30)
    first = client.get(LIST)
    params = params or {"after": query(page_links(first)["next"])["after"]}
    with CaptureQueriesContext(connection) as queries:
        assert client.get(LIST, params).status_code == 200
    table = Opportunity._meta.db_table
    on_table = [q["sql"] for q in queries if f'"{table}"' in q["sql"]]
    assert len(on_table) == 2


def test_rows_offer_the_actions_their_state_allows(fx, client, opp_a):
    not_started = OpportunityFactory(contact=fx.CT100, salesperson=fx.JO, sales_cycle=fx.STD)
    lost = fx.create_opp_a(description="Lost")
    services.close_opportunity(lost, outcome="lost", close_code=fx.L_COMP)
    person = fx.create_opp_a(contact=fx.CT300, description="Person's")
    rows = {row.number: row.commands for row in client.get(LIST).context["rows"]}
    assert rows[opp_a.number] == {"update", "close", "create_quote"}
    assert rows[not_started.number] == {"activate", "close"}
    assert rows[lost.number] == {"delete"}
    assert rows[person.number] == {"update", "close"}  # quotes need a company


def test_a_salesperson_gets_actions_on_their_own_opportunities_only(fx, seller_client, opp_a):
    theirs = fx.create_opp_a(salesperson=fx.AH, description="AH's")
    lost = fx.create_opp_a(description="Lost")
    services.close_opportunity(lost, outcome="lost", close_code=fx.L_COMP)
    everyone = seller_client.get(LIST, {"salesperson": ""})
    rows = {row.number: row.commands for row in everyone.context["rows"]}
    assert rows[opp_a.number] == {"update", "close", "create_quote"}
    assert rows[theirs.number] == set()
    assert rows[lost.number] == set()  # deleting is for managers


# A command button: the page it opens or posts to (without ?next=) and its icon.
BUTTON = re.compile(
    r'<(?:a class="(?:btn|dropdown-item)[^"]*" href|form method="post" action)="([^"?]*)[^>]*>'
    r".*?(<svg.*?</svg>)",
    re.S,
)


def test_a_row_and_the_card_offer_the_same_buttons_the_row_s_menu_labelled_for_its_number(
    fx, client, opp_a
):
    listed = client.get(LIST).content.decode()
    row = re.search(rf'<tr id="row-{opp_a.number}"[^>]*>.*?</tr>', listed)
    card = client.get(opp_a.get_absolute_url()).content.decode()
    bar = re.search(r'<div class="action-buttons">.*?</div>', card, re.S)
    in_row, on_card = BUTTON.findall(row.group()), BUTTON.findall(bar.group())
    pages = ["update", "update", "close", "create_quote"]  # Next, then the commands
    assert [url for url, _icon in in_row] == [
        reverse(f"opportunities:{name}", args=[opp_a.number]) for name in pages
    ]
    assert in_row == on_card
    assert len({icon for _url, icon in in_row}) == 3
    assert f'Actions<span class="visually-hidden"> {opp_a.number}</span>' in row.group()
    assert "visually-hidden" not in bar.group()  # the card's buttons are the card's


def test_htmx_gets_only_the_results(client, opp_a):
    response = client.get(
        LIST, {"status": "open"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results"
    )
    content = response.content.decode()
    assert "OP000001" in content
    assert "<html" not in content
    assert 'data-hx-swap-oob="true"' in content  # the title follows the filters


def test_the_empty_list_says_what_to_do(client, fx):
    assert "create one from a contact" in client.get(LIST).content.decode()


@pytest.mark.postgres
def test_the_text_search_can_use_the_trigram_indexes_on_postgresql(fx, opp_a):
    """The indexes' expressions are the ones Django writes for the search (icontains)."""
    require_postgresql_database("trigram indexes exist on PostgreSQL only")
    from opportunities.filters import OpportunityFilter

    rows = OpportunityFilter({"q": "Deal"}, queryset=Opportunity.objects.all()).qs
    sql, params = rows.order_by().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # the test table is tiny
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "opp_number_trgm_idx" in plan
    assert "opp_description_trgm_idx" in plan


# --- cursors typed by hand and markup in codes ------------------------------------------------


@pytest.mark.parametrize(
    "sort", ["estimated_value", "-estimated_value", "current_value", "-current_value"]
)
@pytest.mark.parametrize("key", ["after", "before"])
@pytest.mark.parametrize(
    "amount", ["NaN", "-NaN", "sNaN", "Infinity", "-Infinity", "1E+999999999", "1E+16"]
)
def test_a_cursor_with_an_amount_that_is_not_finite_or_too_large_is_a_404(
    fx, client, opp_a, sort, key, amount
):
    response = client.get(LIST, {"sort": sort, key: f"{amount}~{opp_a.pk}"})
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("sort", "cursor"),
    [
        ("stage", "99999999999999999999~1"),
        ("-stage", "1~99999999999999999999"),
        ("estimated_value", "10000.00~99999999999999999999"),
        ("-current_value", "300.00~-99999999999999999999"),
        ("creation_date", "2024-01-15~99999999999999999999"),
        ("description", "Deal A~99999999999999999999"),
        ("-number", "99999999999999999999"),
    ],
)
def test_a_cursor_with_a_number_its_column_cannot_hold_is_a_404(fx, client, opp_a, sort, cursor):
    for key in ("after", "before"):
        assert client.get(LIST, {"sort": sort, key: cursor}).status_code == 404


DEFACING = 'X"><H1>DEFACED<H1'


def links_to(content: str, prefix: str) -> list[str]:
    """The hrefs of the page that lead under `prefix`, as the browser follows them."""
    return [
        html.unescape(href)
        for href in re.findall(r'href="([^"]*)"', content)
        if html.unescape(href).startswith(prefix)
    ]


def test_markup_in_a_salesperson_code_is_shown_as_text_and_its_links_still_work(fx, client):
    # Written straight to the table, as rows from before codes were validated can be.
    mallory = Salesperson.objects.create(code=DEFACING, name='Mal "<b>" Lory')
    opportunity = fx.create_opp_a(salesperson=mallory, description="<H1>Deal</H1>")
    card = mallory.get_absolute_url()
    pages = {
        "list": LIST,
        "contact card": fx.CT100.get_absolute_url(),
        "salesperson card": card,
    }
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, name
        content = response.content.decode()
        assert "<H1>" not in content, name
        assert "<b>" not in content, name
        assert "X&quot;&gt;&lt;H1&gt;DEFACED&lt;H1" in content, name
        assert opportunity.get_absolute_url() in links_to(content, "/opportunities/"), name
        if name != "salesperson card":
            assert card in links_to(content, "/salespeople/"), name
            followed = client.get(card)
            assert followed.status_code == 200
            assert followed.context["salesperson"] == mallory


def test_markup_typed_in_the_search_stays_text_in_the_sort_and_page_links(fx, client, monkeypatch):
    from opportunities.views.lists import OpportunityListView

    monkeypatch.setattr(OpportunityListView, "paginate_by", 1)
    for index in range(3):
        fx.create_opp_a(description=f"{DEFACING} {index}")
    response = client.get(LIST, {"q": DEFACING})
    content = response.content.decode()
    assert len(numbers(response)) == 1
    assert "<H1>" not in content
    assert query(page_links(response)["next"])["q"] == [DEFACING]
    assert all(link["q"] == [DEFACING] for _attributes, link in sort_headers(response).values())
    assert len(numbers(client.get(LIST + page_links(response)["last"]))) == 1


# --- "mine": a salesperson's list opens on their own open opportunities ------------------------


def test_a_salesperson_opens_the_list_on_their_own_open_opportunities(fx, seller_client, opp_a):
    fx.create_opp_a(salesperson=fx.AH, description="AH's")
    lost = fx.create_opp_a(description="JO's lost one")
    services.close_opportunity(lost, outcome="lost", close_code=fx.L_COMP)
    response = seller_client.get(LIST)
    assert numbers(response) == [opp_a.number]
    assert response.context["title"] == "My open opportunities"
    assert '<h1 class="h3 mb-0">My open opportunities</h1>' in response.content.decode()
    mine, everyone = response.context["views"]
    assert mine["active"] and not everyone["active"]


def test_all_is_one_click_away_and_is_not_defaulted_back_to_mine(fx, seller_client, opp_a):
    theirs = fx.create_opp_a(salesperson=fx.AH, description="AH's")
    lost = fx.create_opp_a(description="JO's lost one")
    services.close_opportunity(lost, outcome="lost", close_code=fx.L_COMP)
    content = seller_client.get(LIST).content.decode()
    all_link = re.search(r'<a class="btn btn-outline-primary" href="([^"]*)">All</a>', content)
    everyone = seller_client.get(html.unescape(all_link.group(1)))
    assert set(numbers(everyone)) == {opp_a.number, theirs.number, lost.number}
    assert everyone.context["title"] == "Opportunity list"
    assert everyone.context["views"][1]["active"]
    # The page links keep the explicit "All": the next page is not "mine" again.
    sorted_by_contact = seller_client.get(LIST, {"salesperson": "", "sort": "contact"})
    assert set(numbers(sorted_by_contact)) == {opp_a.number, theirs.number, lost.number}


def test_a_salesperson_choosing_a_status_keeps_mine_and_the_title_says_so(fx, seller_client, opp_a):
    lost = fx.create_opp_a(description="JO's lost one")
    services.close_opportunity(lost, outcome="lost", close_code=fx.L_COMP)
    fx.create_opp_a(salesperson=fx.AH, description="AH's")
    closed = seller_client.get(LIST, {"salesperson": "JO", "status": "closed"})
    assert numbers(closed) == [lost.number]
    assert closed.context["title"] == "My closed opportunities"
    both = seller_client.get(LIST, {"salesperson": "JO", "status": ""})
    assert set(numbers(both)) == {opp_a.number, lost.number}
    assert both.context["title"] == "My opportunities"


def switch_links(response) -> dict[str, tuple[str, bool]]:
    """The "Mine" / "All" switch as shown: each label's link and whether it is the current one."""
    content = response.content.decode()
    nav = re.search(r'<nav class="btn-group btn-group-sm list-views"[^>]*>(.*?)</nav>', content)
    links = re.findall(
        r'<a class="btn btn-outline-primary( active)?" href="([^"]*)"[^>]*>([^<]*)</a>',
        nav.group(1),
    )
    return {label: (html.unescape(href), bool(active)) for active, href, label in links}


def test_a_manager_opens_the_list_on_everyone_s_opportunities(fx, boss_client, opp_a):
    theirs = fx.create_opp_a(salesperson=fx.AH, description="AH's")
    lost = fx.create_opp_a(description="Lost one")
    services.close_opportunity(lost, outcome="lost", close_code=fx.L_COMP)
    response = boss_client.get(LIST)
    assert set(numbers(response)) == {opp_a.number, theirs.number, lost.number}
    assert response.context["title"] == "Opportunity list"
    assert response.context["views"] is None  # no salesperson: no "Mine" / "All" switch
    assert "list-views" not in response.content.decode()


def test_a_manager_who_sells_too_opens_on_all_with_mine_one_click_away(fx, client, opp_a):
    theirs = fx.create_opp_a(salesperson=fx.AH, description="AH's")
    lost = fx.create_opp_a(salesperson=fx.AH, description="AH's lost one")
    services.close_opportunity(lost, outcome="lost", close_code=fx.L_COMP)
    everyone = client.get(LIST)
    assert set(numbers(everyone)) == {opp_a.number, theirs.number, lost.number}
    assert everyone.context["title"] == "Opportunity list"
    switch = switch_links(everyone)
    assert list(switch) == ["Mine", "All"]
    assert switch["All"][1] and not switch["Mine"][1]
    mine = client.get(switch["Mine"][0])
    assert numbers(mine) == [theirs.number]
    assert mine.context["title"] == "My open opportunities"
    assert switch_links(mine)["Mine"][1] and not switch_links(mine)["All"][1]
    back = client.get(switch_links(mine)["All"][0])
    assert set(numbers(back)) == {opp_a.number, theirs.number, lost.number}
    assert back.context["title"] == "Opportunity list"


def test_a_manager_who_sells_too_choosing_themselves_reads_my_opportunities(fx, client, opp_a):
    theirs = fx.create_opp_a(salesperson=fx.AH, description="AH's")
    response = client.get(LIST, {"salesperson": "AH"})
    assert numbers(response) == [theirs.number]
    assert response.context["title"] == "My opportunities"
    assert switch_links(response)["Mine"][1]


def test_the_french_switch_of_a_manager_who_sells_too(fx, client, opp_a):
    client.post(reverse("set_language"), {"language": "fr", "next": LIST})
    switch = switch_links(client.get(LIST))
    assert list(switch) == ["Les miennes", "Toutes"]
    assert client.get(switch["Les miennes"][0]).context["title"] == "Mes opportunités ouvertes"


def test_the_french_title_of_mine(fx, seller_client, opp_a):
    seller_client.post(reverse("set_language"), {"language": "fr", "next": LIST})
    assert seller_client.get(LIST).context["title"] == "Mes opportunités ouvertes"
