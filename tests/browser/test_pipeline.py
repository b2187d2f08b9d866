"""The pipeline board and the dashboard in a real browser, in English and in French.

A drag to the next stage moves the card; a drag the rules refuse (a skip over a stage that does
not allow it) snaps back with the rule's message; a drop on Won opens the Close dialog with Won
chosen; the keyboard moves a card through its Actions menu. The dashboard draws its charts.
Screenshots at desktop and phone width land in tests/browser/screenshots/.
"""

import re

import pytest
from playwright.sync_api import expect

from opportunities.models import Opportunity
from opportunities.roles import SALES_MANAGER
from tests.browser.pages import log_in, screenshot
from tests.conftest import user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {
    "en": {
        "moved": "moved to Needs",
        "skip_refused": "does not allow skipping it",
        "actions": "Actions",
        "move_to_proposal": "Next: Proposal",
        "moved_proposal": "moved to Proposal",
        "won": "Won",
        "close_title": "Close opportunity",
        "dashboard": "Pipeline by stage",
        "board": "Pipeline: Standard",
    },
    "fr": {
        "moved": "passée à l\u2019étape Needs",
        "skip_refused": "ne peut pas être ignorée",
        "actions": "Actions",
        "move_to_proposal": "Suivant\u00a0: Proposal",
        "moved_proposal": "passée à l\u2019étape Proposal",
        "won": "Gagné",
        "close_title": "Terminer opportunité",
        "dashboard": "Pipeline par étape",
        "board": "Pipeline : Standard",
    },
}


@pytest.fixture
def data(fx):
    user = user_with_role("manager", SALES_MANAGER, fx.AH)
    user.set_password("secret-password")
    user.save()
    first = fx.create_opp_a(description="Drag me")
    second = fx.create_opp_a(description="Keep me", contact=fx.CT200)
    fx.create_opp_a(description="Not yet", activate_first_stage=False)
    return {"first": first, "second": second}


def drag(page, card, target) -> None:
    """Press on the card's figures (its links and menu do not start a drag), move in small
    steps into the target, release: SortableJS's own pointer handling, as a mouse does it."""
    card.scroll_into_view_if_needed()
    start = card.locator(".card-figures").bounding_box()
    page.mouse.move(start["x"] + 20, start["y"] + 5)
    page.mouse.down()
    page.mouse.move(start["x"] + 40, start["y"] + 25, steps=5)
    end = target.bounding_box()
    x, y = end["x"] + end["width"] / 2, end["y"] + min(end["height"] / 2, 40)
    page.mouse.move(x, y, steps=20)
    page.mouse.move(x, y + 2, steps=2)
    page.mouse.up()


def column(page, fx, number):
    return page.locator(f"#cards-{fx.stages[number].pk}")


@pytest.mark.parametrize("browser_page", ["en", "fr"], indirect=True)
def test_the_board_moves_refuses_and_closes_by_drag_and_drop_and_by_keyboard(
    browser_page, data, fx
):
    page = browser_page
    words = WORDS[page.language]
    log_in(page, "manager", f"/pipeline/{fx.STD.code}/")
    expect(page.get_by_role("heading", name=words["board"])).to_be_visible()
    first = data["first"].number
    screenshot(page, "board")

    # A drag to the next stage moves the card there.
    drag(page, page.locator(f"#card-{first}"), column(page, fx, 2))
    expect(page.locator(".board-messages")).to_contain_text(words["moved"])
    expect(column(page, fx, 2).locator(f"#card-{first}")).to_be_visible()
    assert Opportunity.objects.get(number=first).current_stage == fx.stages[2]

    # A drag past Presentation, which does not allow skipping it: back, with the rule.
    second = data["second"].number
    drag(page, page.locator(f"#card-{second}"), column(page, fx, 5))
    expect(page.locator(".board-refusal")).to_contain_text(words["skip_refused"])
    expect(page.locator(".board-refusal")).to_be_focused()
    expect(column(page, fx, 1).locator(f"#card-{second}")).to_be_visible()
    assert Opportunity.objects.get(number=second).current_stage == fx.stages[1]
    screenshot(page, "board-refused")

    # A drop on Won opens the Close dialog with Won chosen; the card stays where it was.
    drag(page, page.locator(f"#card-{second}"), page.locator(".board-drop-won"))
    dialog = page.locator("#dialog")
    expect(dialog.get_by_role("heading", name=words["close_title"])).to_be_visible()
    expect(dialog.get_by_label(words["won"], exact=True)).to_be_checked()
    screenshot(page, "board-close-won")
    dialog.locator(".btn-close").click()
    expect(dialog).to_be_hidden()
    assert Opportunity.objects.get(number=second).status == Opportunity.Status.IN_PROGRESS

    # The keyboard: the card's Actions menu, then one of its moves.
    summary = page.locator(f"#card-{first} summary")
    summary.focus()
    page.keyboard.press("Enter")
    move = page.locator(f"#card-{first}").get_by_role("button", name=words["move_to_proposal"])
    move.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".board-messages")).to_contain_text(words["moved_proposal"])
    expect(page.locator(f"#card-{first} summary")).to_be_focused()
    assert Opportunity.objects.get(number=first).current_stage == fx.stages[3]


@pytest.mark.parametrize("browser_page", ["en", "fr"], indirect=True)
def test_the_dashboard_draws_its_charts_with_their_tables(browser_page, data, fx):
    page = browser_page
    words = WORDS[page.language]
    log_in(page, "manager")
    expect(page.get_by_role("heading", name=words["dashboard"])).to_be_visible()
    expect(page.locator("svg.chart-drawing")).to_have_count(
        page.locator("figure.chart").count() - page.locator("figure.chart .empty-state").count()
    )
    funnel = page.locator("#chart-funnel")
    expect(funnel.locator("rect.bar")).to_have_count(6)  # Not started and five stages
    expect(funnel.locator("table")).to_contain_text("2")
    screenshot(page, "dashboard")
    funnel.locator("table a").nth(1).click()
    expect(page).to_have_url(re.compile(r"/opportunities/\?.*current_stage="))
    expect(page.locator("#results")).to_contain_text(data["first"].number)
