"""The dashboard: the home page, its charts, their links, and every figure exact.

The exactness tests make random histories through the services, compute every figure from the
opportunities and entries in plain Python, and compare them with what the dashboard's tables
and the board's column totals show, with and without filters (those the summaries are kept by
and those read from the opportunities: a contact, a search)."""

import datetime
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, translation

from contacts.models import Contact
from opportunities.models import Opportunity, OpportunityEntry
from pipeline import dashboard, views
from pipeline.dashboard import count, money, percent, percent_text
from pipeline.forms import months_before
from salescycles.models import SalesCycle
from tests.pipeline.scenario import quick_cycle, random_history

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2024, 3, 15)


@pytest.fixture
def on_march_15(monkeypatch):
    monkeypatch.setattr(views, "today", lambda: TODAY)


def chart(response, slug):
    return next(c for c in response.context["charts"] if c.slug == slug)


def table(found) -> list[tuple]:
    return [(bar.label, *(text for text, _numeric in bar.cells)) for bar in found.bars]


def test_the_dashboard_is_the_home_page_and_where_logging_in_leads(fx, manager):
    client = Client()
    assert client.get("/").status_code == 302  # to the login
    response = client.post(
        reverse("login"), {"username": "manager", "password": "secret-password"}, follow=True
    )
    assert response.resolver_match.view_name == "pipeline:dashboard"


def test_every_chart_has_a_title_a_description_and_its_data_as_a_table(client, fx, opp_a):
    response = client.get("/")
    content = response.content.decode()
    assert response.status_code == 200
    for found in response.context["charts"]:
        assert f'<title id="{found.slug}-title">' in content or not found.bars
        assert f'<desc id="{found.slug}-desc">' in content or not found.bars
        assert f'<caption class="visually-hidden">{found.title}</caption>' in content
    assert "<script" not in content.split("<main")[1]  # readable without JavaScript
    stylesheet = Path(settings.BASE_DIR, "static", "css", "pipeline.css")
    assert "@media print" in stylesheet.read_text(encoding="utf-8")


def test_every_figure_links_to_the_list_with_the_same_filters(client, fx, opp_a):
    response = client.get("/", {"salesperson": "JO", "priority": "normal"})
    for found in response.context["charts"]:
        for bar in found.bars:
            url = urlparse(bar.url)
            assert url.path == reverse("opportunities:list")
            query = parse_qs(url.query)
            assert query["salesperson"] == ["JO"]
            assert query["priority"] == ["normal"]
            assert query["sales_cycle"] == ["STD"]
    funnel = chart(response, "funnel")
    listed = client.get(funnel.bars[1].url)
    assert listed.status_code == 200
    assert opp_a.number.encode() in listed.content


def test_a_salesperson_sees_their_own_figures_by_default(seller_client, fx, opp_a):
    fx.create_opp_a(salesperson=fx.AH)
    response = seller_client.get("/")
    assert response.context["filter_form"].value("salesperson") == fx.JO
    assert response.context["figures"].stages[fx.stages[1].pk].count == 1


@pytest.mark.parametrize(
    "query",
    [
        {"period_from": "2025-13"},
        {"period_from": "2024-05", "period_to": "2024-01"},
        {"contact": "nobody"},
        {"sales_cycle": "NOPE"},
        {"salesperson": "\x01"},
    ],
)
def test_wrong_filters_are_shown_on_their_field_and_the_page_still_answers(client, fx, query):
    response = client.get("/", query)
    assert response.status_code == 200
    assert response.context["filter_form"].errors


@pytest.mark.parametrize("language", ["en", "fr"])
def test_amounts_counts_and_tenths_are_written_as_djangos_number_format_writes_them(language):
    with translation.override(language):
        for value in ("0.00", "-0.00", "0.05", "999.99", "1000.00", "-1234567.89", "12345678901.3"):
            number = Decimal(value)
            assert money(number) == formats.number_format(
                number.quantize(Decimal("0.01")), 2, force_grouping=True
            )
        for number in (0, 7, 999, 1000, 1234567, -5000):
            assert count(number) == formats.number_format(number, force_grouping=True)
        for value in ("0.0", "33.3", "100.0", "1234.5"):
            number = Decimal(value)
            assert dashboard.days_text(number) == formats.number_format(number, 1)
            assert percent_text(number) == f"{formats.number_format(number, 1)} %"
        assert percent_text(None) == dashboard.days_text(None) == dashboard.NOTHING


def test_bar_labels_and_links_are_escaped_in_the_drawing_and_the_table():
    bar = dashboard.Bar(
        label='<b>"R&D"</b> and a label longer than the drawing has room for',
        value=Decimal(1),
        text="1",
        url="/opportunities/?a=1&b=2",
        cells=[1],
    )
    drawn = dashboard.Chart(
        slug="s", title="t", description="d", headers=["h", "n"], numeric=[False, True], bars=[bar]
    ).layout()
    assert "<b>" not in drawn.drawing and "<b>" not in drawn.rows
    assert ">&lt;b&gt;&quot;R&amp;D&quot;&lt;/b&gt; and a labe…</text>" in drawn.drawing
    assert 'href="/opportunities/?a=1&amp;b=2"' in drawn.drawing
    assert '<td class="num">1</td>' in drawn.rows
    assert "&lt;b&gt;&quot;R&amp;D&quot;&lt;/b&gt; and a label longer" in drawn.rows


def test_the_cycle_select_and_its_value_come_from_one_read_of_the_cycles(client, fx, opp_a):
    quick_cycle()
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/", {"sales_cycle": "QUICK"})
    assert not response.context["filter_form"].errors, response.context["filter_form"].errors
    assert response.context["cycle"].code == "QUICK"
    assert '<option value="QUICK" selected>' in response.content.decode()
    cycles = [
        q["sql"] for q in queries.captured_queries if 'FROM "salescycles_salescycle"' in q["sql"]
    ]
    assert len(cycles) == 1


# --- every figure, from scratch ------------------------------------------------------------------


def month(day):
    return day.year * 100 + day.month


def expected_figures(
    cycle,
    *,
    salesperson=None,
    priority=None,
    contact=None,
    q=None,
    start=datetime.date(2024, 1, 1),
    end=datetime.date(2024, 12, 1),
):
    """The dashboard's figures, computed in Python from every opportunity and entry."""

    def selected(o):
        if o.sales_cycle_id != cycle.pk:
            return False
        if salesperson and o.salesperson_id != salesperson.pk:
            return False
        if priority and o.priority != priority:
            return False
        if contact:
            people = {contact.pk} | set(
                Contact.objects.filter(company=contact).values_list("pk", flat=True)
            )
            if contact.is_company and o.contact_id not in people:
                return False
            if not contact.is_company and o.contact_id != contact.pk:
                return False
        return not q or q.lower() in o.number.lower() or q.lower() in o.description.lower()

    chosen = {o.pk: o for o in Opportunity.objects.all() if selected(o)}
    zero = Decimal("0.00")
    stages = defaultdict(lambda: [0, zero, zero])
    forecast = defaultdict(lambda: [0, zero])
    overdue = [0, zero]
    for o in chosen.values():
        if not o.closed:
            row = stages[o.current_stage_id or 0]
            row[0] += 1
            row[1] += o.estimated_value
            row[2] += o.calcd_current_value
        if o.status == Opportunity.Status.IN_PROGRESS:
            target = (
                overdue
                if o.estimated_close_date < TODAY
                else forecast[month(o.estimated_close_date)]
            )
            target[0] += 1
            target[1] += o.calcd_current_value
    won_by_month = defaultdict(lambda: [0, zero])
    by_person = defaultdict(lambda: {"won": [0, zero], "lost": [0, zero]})
    by_code = defaultdict(lambda: [0, zero, zero])
    stays = defaultdict(lambda: [0, 0])
    for e in OpportunityEntry.objects.filter(opportunity__in=list(chosen)):
        o = chosen[e.opportunity_id]
        if not e.active and e.stage_id is not None:
            stays[e.stage_id][0] += 1
            stays[e.stage_id][1] += e.days_open
        if e.active and e.is_closing and start <= e.date_closed.replace(day=1) <= end:
            if e.action_taken == "won":
                won_by_month[month(e.date_closed)][0] += 1
                won_by_month[month(e.date_closed)][1] += e.calcd_current_value
            person = by_person[o.salesperson.code][e.action_taken]
            person[0] += 1
            person[1] += e.estimated_value
            code = by_code[(e.close_code.code if e.close_code else None, e.action_taken)]
            code[0] += 1
            code[1] += e.estimated_value
            code[2] += e.calcd_current_value
    return {
        "stages": stages,
        "forecast": forecast,
        "overdue": overdue,
        "won_by_month": won_by_month,
        "by_person": by_person,
        "by_code": by_code,
        "stays": stays,
    }


def assert_page_shows(response, cycle, expected):
    stages = list(cycle.stages.order_by("stage"))
    funnel = table(chart(response, "funnel"))
    assert funnel == [
        (
            stage.description if stage else "Not started",
            count(expected["stages"][stage.pk if stage else 0][0]),
            money(expected["stages"][stage.pk if stage else 0][1]),
            money(expected["stages"][stage.pk if stage else 0][2]),
        )
        for stage in [None, *stages]
    ]
    forecast = table(chart(response, "forecast"))
    assert forecast[0][1:] == (count(expected["overdue"][0]), money(expected["overdue"][1]))
    for offset, row in enumerate(forecast[1:]):
        first = months_before(TODAY.replace(day=1), -offset)
        found = expected["forecast"][month(first)]
        assert row[1:] == (count(found[0]), money(found[1])), row
    won = table(chart(response, "won"))
    assert len(won) == 12
    for offset, row in enumerate(won):
        found = expected["won_by_month"][202401 + offset]
        assert row[1:] == (count(found[0]), money(found[1])), row
    people = {}
    for code, outcomes in expected["by_person"].items():
        won_, lost = outcomes["won"], outcomes["lost"]
        people[code] = (
            code,
            count(won_[0]),
            count(lost[0]),
            percent_text(percent(won_[0], won_[0] + lost[0])),
            money(won_[1]),
            money(lost[1]),
            percent_text(percent(won_[1], won_[1] + lost[1])),
        )
    assert table(chart(response, "win-rate")) == [people[code] for code in sorted(people)]
    closed = sum(row[0] for row in expected["by_code"].values())
    shown = {(row[0], row[2]): row for row in table(chart(response, "close-codes"))}
    assert len(shown) == len(expected["by_code"])
    for (code, outcome), (number, estimated, current) in expected["by_code"].items():
        label = code or "(no code)"
        row = shown[(label, "Won" if outcome == "won" else "Lost")]
        assert row[3:] == (
            count(number),
            percent_text(percent(number, closed)),
            money(estimated),
            money(current),
        )
    lost = {row[0]: row[1:] for row in table(chart(response, "lost-value"))}
    assert lost == {
        (code or "(no code)"): (count(number), money(estimated))
        for (code, outcome), (number, estimated, _current) in expected["by_code"].items()
        if outcome == "lost"
    }
    assert table(chart(response, "time-in-stage")) == [
        (
            stage.description,
            count(expected["stays"][stage.pk][0]),
            dashboard.NOTHING
            if not expected["stays"][stage.pk][0]
            else dashboard.formats.number_format(
                (Decimal(expected["stays"][stage.pk][1]) / expected["stays"][stage.pk][0]).quantize(
                    Decimal("0.1")
                ),
                1,
            ),
        )
        for stage in stages
    ]


FILTERS = [
    {},
    {"salesperson": "JO"},
    {"priority": "high"},
    {"salesperson": "AH", "priority": "normal"},
    {"contact": "CT100"},
    {"contact": "CT300", "salesperson": "JO"},
    {"q": "Deal 1"},
]


@pytest.mark.parametrize("seed", range(3))
def test_every_dashboard_figure_equals_the_one_computed_from_scratch(client, fx, on_march_15, seed):
    random_history(fx, 100 + seed, steps=90)
    for cycle in SalesCycle.objects.filter(code__in=["STD", "QUICK"]):
        for filters in FILTERS:
            query = {
                "sales_cycle": cycle.code,
                "period_from": "2024-01",
                "period_to": "2024-12",
                "salesperson": "",
                **filters,
            }
            response = client.get("/", query)
            assert response.status_code == 200
            assert not response.context["filter_form"].errors
            expected = expected_figures(
                cycle,
                salesperson=fx.JO
                if filters.get("salesperson") == "JO"
                else (fx.AH if filters.get("salesperson") == "AH" else None),
                priority=filters.get("priority"),
                contact=Contact.objects.get(number=filters["contact"])
                if "contact" in filters
                else None,
                q=filters.get("q"),
            )
            assert_page_shows(response, cycle, expected)


@pytest.mark.parametrize("seed", range(2))
def test_every_column_total_equals_the_one_computed_from_scratch(client, fx, seed):
    random_history(fx, 200 + seed, steps=80)
    for filters in FILTERS:
        query = {"salesperson": "", **filters}
        response = client.get(reverse("pipeline:board", args=["STD"]), query)
        expected = expected_figures(
            fx.STD,
            salesperson={"JO": fx.JO, "AH": fx.AH}.get(filters.get("salesperson")),
            priority=filters.get("priority"),
            contact=Contact.objects.get(number=filters["contact"])
            if "contact" in filters
            else None,
            q=filters.get("q"),
        )
        for column in response.context["columns"]:
            number, estimated, current = expected["stages"][int(column.key)]
            assert (column.sums.count, column.sums.estimated, column.sums.current) == (
                number,
                estimated,
                current,
            ), (filters, column.title)
            shown = response.content.decode()
            assert money(estimated) in shown


def test_the_dashboard_and_the_board_speak_french(client, fx, opp_a):
    client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    content = client.get("/").content.decode()
    for french in ("Tableau de bord", "Pipeline par étape", "Taux de réussite par vendeur"):
        assert french in content
    for english in ("Pipeline by stage", "Win rate", "Average days", "Overdue"):
        assert english not in content
    board = client.get(reverse("pipeline:board", args=["STD"])).content.decode()
    assert "Suivant\N{NO-BREAK SPACE}: Needs" in board and "Passer à Proposal" in board
    assert "Non commencé" in board
    assert "10\N{NO-BREAK SPACE}000,00" in board or "10\N{NARROW NO-BREAK SPACE}000,00" in board
    assert "Move to" not in board and "Next:" not in board and "Not started" not in board


def test_the_cycle_select_shows_the_cycle_the_dashboard_is_of(client, fx, opp_a):
    response = client.get("/")
    assert response.context["cycle"] == fx.STD
    assert '<option value="STD" selected>' in response.content.decode()
