"""The pipeline board: columns, totals, cards, the moves a drop makes and the ones refused."""

import html
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from opportunities import services
from opportunities.models import Opportunity, OpportunityEntry, UpdateAction
from pipeline import board
from tests.pipeline.scenario import quick_cycle

pytestmark = pytest.mark.django_db


def board_url(code="STD", **query):
    url = reverse("pipeline:board", args=[code])
    return f"{url}?{'&'.join(f'{k}={v}' for k, v in query.items())}" if query else url


def move(client, opportunity, target, htmx=None, **extra):
    data = {"number": opportunity.number, "version": opportunity.version, "target": target}
    return client.post(reverse("pipeline:move", args=["STD"]), data | extra, **(htmx or {}))


def reloaded(opportunity):
    return Opportunity.objects.get(pk=opportunity.pk)


def column(response, key):
    return next(c for c in response.context["columns"] if c.key == str(key))


def test_the_board_has_not_started_then_every_stage_then_won_and_lost(client, fx, opp_a):
    response = client.get(board_url())
    assert response.status_code == 200
    keys = [c.key for c in response.context["columns"]]
    assert keys == ["0", *(str(fx.stages[n].pk) for n in (1, 2, 3, 4, 5))]
    content = response.content.decode()
    assert 'data-column="won"' in content and 'data-column="lost"' in content
    assert 'id="card-OP000001"' in content


def test_a_column_shows_the_count_and_sums_of_its_opportunities(client, fx, opp_a):
    fx.create_opp_a(estimated_value=Decimal("2500.50"))
    fx.create_opp_a(activate_first_stage=False)
    response = client.get(board_url())
    first = column(response, fx.stages[1].pk)
    assert first.sums.count == 2
    assert first.sums.estimated == Decimal("12500.50")
    assert first.sums.current == sum(
        (
            o.calcd_current_value
            for o in Opportunity.objects.filter(status=Opportunity.Status.IN_PROGRESS)
        ),
        Decimal(0),
    )
    assert column(response, 0).sums.count == 1
    assert "12,500.50" in response.content.decode()


def test_a_card_shows_its_figures_overdue_date_and_days_on_stage(client, fx, opp_a):
    response = client.get(board_url())
    [card] = column(response, fx.stages[1].pk).cards
    assert card.overdue is (opp_a.estimated_close_date < response.context["today"])
    assert card.days_on_stage == (response.context["today"] - fx.today).days
    content = response.content.decode()
    assert "Deal A" in content and "Adatum" in content and "10,000.00" in content


def test_a_salesperson_sees_their_own_opportunities_by_default_and_all_on_request(
    seller_client, fx, opp_a
):
    fx.create_opp_a(salesperson=fx.AH, description="Deal of AH")
    mine = seller_client.get(board_url())
    assert mine.context["filter_form"].value("salesperson") == fx.JO
    assert column(mine, fx.stages[1].pk).sums.count == 1
    everyone = seller_client.get(board_url(salesperson=""))
    assert column(everyone, fx.stages[1].pk).sums.count == 2


def board_switch(response) -> dict[str, tuple[str, bool]]:
    """The board's "Mine" / "All" switch: each label's link and whether it is the current one."""
    content = response.content.decode()
    nav = re.search(r'<nav class="btn-group btn-group-sm list-views"[^>]*>(.*?)</nav>', content)
    if nav is None:
        return {}
    links = re.findall(
        r'<a class="btn btn-outline-primary( active)?" href="([^"]*)"[^>]*>([^<]*)</a>',
        nav.group(1),
    )
    return {label: (html.unescape(href), bool(active)) for active, href, label in links}


def heading(response) -> str:
    return re.search(r"<h1[^>]*>([^<]*)</h1>", response.content.decode()).group(1)


def test_a_salesperson_s_board_opens_on_mine_with_all_one_click_away(seller_client, fx, opp_a):
    fx.create_opp_a(salesperson=fx.AH, description="Deal of AH")
    mine = seller_client.get(board_url())
    assert heading(mine) == "My pipeline: Standard"
    switch = board_switch(mine)
    assert list(switch) == ["Mine", "All"]
    assert switch["Mine"][1] and not switch["All"][1]
    everyone = seller_client.get(switch["All"][0])
    assert column(everyone, fx.stages[1].pk).sums.count == 2
    assert heading(everyone) == "Pipeline: Standard"
    assert board_switch(everyone)["All"][1]


def test_a_manager_who_sells_too_opens_the_board_on_all_with_mine_one_click_away(client, fx, opp_a):
    fx.create_opp_a(salesperson=fx.AH, description="Deal of AH")
    everyone = client.get(board_url())
    assert everyone.context["filter_form"].value("salesperson") is None
    assert column(everyone, fx.stages[1].pk).sums.count == 2
    assert heading(everyone) == "Pipeline: Standard"
    switch = board_switch(everyone)
    assert switch["All"][1] and not switch["Mine"][1]
    mine = client.get(switch["Mine"][0])
    assert mine.context["filter_form"].value("salesperson") == fx.AH
    assert column(mine, fx.stages[1].pk).sums.count == 1
    assert heading(mine) == "My pipeline: Standard"
    assert board_switch(mine)["Mine"][1]


def test_a_manager_who_is_no_salesperson_has_no_switch_on_the_board(boss_client, fx, opp_a):
    response = boss_client.get(board_url())
    assert board_switch(response) == {}
    assert heading(response) == "Pipeline: Standard"


def test_the_french_board_switch_and_title(client, fx, opp_a):
    client.post(reverse("set_language"), {"language": "fr", "next": board_url()})
    switch = board_switch(client.get(board_url()))
    assert list(switch) == ["Les miennes", "Toutes"]
    assert heading(client.get(switch["Les miennes"][0])) == "Mon pipeline : Standard"


def test_another_salespersons_card_is_not_draggable_and_its_move_is_forbidden(
    seller_client, fx, opp_a
):
    theirs = fx.create_opp_a(salesperson=fx.AH, description="Deal of AH")
    response = seller_client.get(board_url(salesperson=""))
    cards = {card.number: card for card in column(response, fx.stages[1].pk).cards}
    assert cards[opp_a.number].draggable and not cards[theirs.number].draggable
    assert 'class="board-card locked' in response.content.decode()
    assert move(seller_client, theirs, str(fx.stages[2].pk)).status_code == 403
    assert reloaded(theirs).current_stage == fx.stages[1]


def test_a_drop_on_the_next_stage_moves_it_with_the_update_dialogs_defaults(
    client, fx, opp_a, htmx
):
    response = move(client, opp_a, str(fx.stages[2].pk), htmx)
    assert response.status_code == 200
    entry = OpportunityEntry.objects.get(opportunity=opp_a, active=True)
    assert entry.stage == fx.stages[2]
    assert entry.action_taken == OpportunityEntry.Action.NEXT
    defaults = fx.stages[2]
    assert entry.chances_of_success == defaults.chances_of_success
    assert entry.estimated_value == Decimal(10000)
    assert "OP000001 moved to Needs." in response.content.decode()
    assert column(response, fx.stages[2].pk).cards[0].number == opp_a.number


@pytest.mark.parametrize(
    ("start", "target", "action"),
    [(1, 3, "jumped"), (3, 2, "previous"), (3, 1, "jumped")],
)
def test_a_drop_derives_skip_previous_and_jump_from_the_target(
    client, fx, opp_a, start, target, action
):
    if start == 3:
        services.update_opportunity(opp_a, action=UpdateAction.SKIP, to_stage=fx.stages[3])
    opp_a = reloaded(opp_a)
    response = move(client, opp_a, str(fx.stages[target].pk))
    assert response.status_code == 302
    entry = OpportunityEntry.objects.get(opportunity=opp_a, active=True)
    assert (entry.stage, entry.action_taken) == (fx.stages[target], action)


def test_a_drop_that_skips_a_stage_not_allowing_it_is_refused_and_writes_nothing(
    client, fx, opp_a, htmx
):
    entries = OpportunityEntry.objects.count()
    response = move(client, opp_a, str(fx.stages[5].pk), htmx)
    assert response.status_code == 200
    content = response.content.decode()
    assert "stage Presentation does not allow skipping it" in content
    assert 'class="alert alert-danger board-refusal"' in content
    assert OpportunityEntry.objects.count() == entries
    assert reloaded(opp_a).version == opp_a.version
    assert column(response, fx.stages[1].pk).cards[0].number == opp_a.number


def test_a_drop_on_a_stage_requiring_a_quote_is_refused_with_the_rule(client, fx, opp_a, htmx):
    services.update_opportunity(opp_a, action=UpdateAction.SKIP, to_stage=fx.stages[3])
    opp_a = reloaded(opp_a)
    response = move(client, opp_a, str(fx.stages[4].pk), htmx)
    assert "Stage 4 requires a quote" in response.content.decode()
    assert reloaded(opp_a).current_stage == fx.stages[3]


def test_a_stale_card_is_refused_and_the_columns_show_it_as_it_is(client, fx, opp_a, htmx):
    stale_version = opp_a.version
    services.update_opportunity(opp_a, action=UpdateAction.NEXT)
    response = client.post(
        reverse("pipeline:move", args=["STD"]),
        {"number": opp_a.number, "version": stale_version, "target": str(fx.stages[3].pk)},
        **htmx,
    )
    assert "was changed by someone else" in response.content.decode()
    assert reloaded(opp_a).current_stage == fx.stages[2]
    assert column(response, fx.stages[2].pk).cards[0].number == opp_a.number


def test_not_started_to_the_first_stage_activates_and_elsewhere_is_refused(client, fx):
    fresh = fx.create_opp_a(activate_first_stage=False)
    move(client, fresh, str(fx.stages[2].pk))
    assert reloaded(fresh).status == Opportunity.Status.NOT_STARTED
    response = move(client, fresh, str(fx.stages[1].pk))
    assert response.status_code == 302
    fresh = reloaded(fresh)
    assert fresh.current_stage == fx.stages[1]
    assert fresh.entries.get().action_taken == OpportunityEntry.Action.FIRST


def test_a_started_opportunity_cannot_go_back_to_not_started(client, fx, opp_a, htmx):
    response = move(client, opp_a, board.NOT_STARTED, htmx)
    assert "cannot go back to Not started" in response.content.decode()
    assert reloaded(opp_a).status == Opportunity.Status.IN_PROGRESS


def test_a_drop_on_won_opens_the_close_dialog_with_won_chosen(client, fx, opp_a):
    response = move(client, opp_a, "won")
    assert response.status_code == 302
    assert response.url.startswith(reverse("opportunities:close", args=[opp_a.number]))
    assert "outcome=won" in response.url
    dialog = client.get(response.url)
    assert dialog.context["form"].initial["outcome"] == "won"
    assert reloaded(opp_a).status == Opportunity.Status.IN_PROGRESS


def test_a_move_without_javascript_redirects_back_to_the_board_with_its_filters(client, fx, opp_a):
    response = move(client, opp_a, str(fx.stages[2].pk), query="priority=normal")
    assert response.status_code == 302
    assert response.url == board_url(priority="normal")
    page = client.get(response.url)
    assert "OP000001 moved to Needs." in page.content.decode()


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"number": "OP000001", "version": "x", "target": "1"},
        {"number": "OP000001", "version": "1", "target": "no-such-column"},
        {"number": "OP000001", "version": "99999999999999", "target": "1"},
    ],
)
def test_a_broken_move_is_refused_without_an_error(client, fx, opp_a, data):
    response = client.post(reverse("pipeline:move", args=["STD"]), data, follow=True)
    assert response.status_code == 200
    assert reloaded(opp_a).version == opp_a.version


def test_the_menu_offers_the_moves_the_rules_allow_and_the_rows_commands(client, fx, opp_a):
    response = client.get(board_url())
    [card] = column(response, fx.stages[1].pk).cards
    targets = [m.target for m in card.moves]
    assert targets == [str(fx.stages[n].pk) for n in (2, 3, 4)]  # not 5: Presentation
    assert {"update", "close", "create_quote"} <= card.commands
    content = response.content.decode()
    # The next stage as the list and the card say it, the others as moves.
    assert "Next: Needs" in content and "Move to Proposal" in content
    assert "Move to Needs" not in content
    assert "Close as won" in content and "Update" in content


def test_load_more_walks_a_column_by_closing_date_then_id(client, fx, monkeypatch):
    monkeypatch.setattr(board, "PER_COLUMN", 2)
    for day in (5, 3, 9, 3, 1):
        fx.create_opp_a(estimated_close_date=fx.today.replace(day=20 + day))
    expected = list(
        Opportunity.objects.order_by("estimated_close_date", "pk").values_list("number", flat=True)
    )
    response = client.get(board_url())
    first = column(response, fx.stages[1].pk)
    seen = [card.number for card in first.cards]
    cursor = first.more
    url = reverse("pipeline:column", args=["STD", fx.stages[1].pk])
    while cursor:
        more = client.get(url, {"after": cursor})
        assert more.status_code == 200
        seen += [card.number for card in more.context["column"].cards]
        cursor = more.context["column"].more
    assert seen == expected
    assert client.get(url, {"after": "not-a-cursor"}).status_code == 404


def test_the_boards_query_count_does_not_grow_with_cards_or_stages(client, fx):
    def queries(code, per_stage):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(board_url(code)).status_code == 200
        return len(captured)

    fx.create_opp_a()
    queries("STD", 1)  # the first read builds the summaries
    small = queries("STD", 1)
    for _ in range(12):
        fx.create_opp_a()
        fx.create_opp_a(activate_first_stage=False)
    assert queries("STD", 12) == small
    cycle = quick_cycle()
    fx.create_opp_a(sales_cycle=cycle)
    assert queries(cycle.code, 1) == small
