"""The opportunity list on a phone: one stacked card per opportunity, each value under its
caption, the actions in words, and no sideways scrolling; on a laptop, 25 rows fit the width."""

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from opportunities import services
from opportunities.models import UpdateAction
from opportunities.roles import SALES_MANAGER, create_roles
from tests.browser.pages import DESKTOP, PHONE, log_in, next_frames
from tests.factories import OpportunityFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {
    "en": {"contact": "Contact", "next": "Next: Needs", "actions": "Actions", "close": "Close…"},
    "fr": {
        "contact": "Contact",
        "next": "Suivant\u00a0: Needs",
        "actions": "Actions",
        "close": "Clôturer…",
    },
}


@pytest.fixture
def manager(fx):
    create_roles(apps)
    user = UserFactory(username="manager")
    user.groups.add(Group.objects.get(name=SALES_MANAGER))
    return user


@pytest.fixture
def rows(fx):
    """25 rows of every kind: on a stage, further on, not started, closed, with a long text."""
    opportunities = [fx.create_opp_a(description=f"Deal {index}") for index in range(20)]
    moved = opportunities[0]
    target = services.available_actions(moved)[UpdateAction.NEXT][0]
    services.update_opportunity(moved, action=UpdateAction.NEXT, to_stage=target)
    services.close_opportunity(opportunities[1], outcome="lost", close_code=fx.L_COMP)
    for _index in range(4):
        OpportunityFactory(contact=fx.CT100, salesperson=fx.AH, sales_cycle=fx.STD)
    fx.create_opp_a(
        description="Renouvellement du contrat de maintenance des équipements de production",
        contact=fx.CT200,
    )
    return opportunities


def scroll_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.parametrize("browser_page", ["en", "fr"], indirect=True)
def test_on_a_phone_each_opportunity_is_a_stacked_card_without_sideways_scroll(
    browser_page, manager, rows
):
    page = browser_page
    words = WORDS[page.language]
    log_in(page, "manager", "/opportunities/")
    first = rows[2]
    row = page.locator(f"#row-{first.number}")

    # A laptop: the 25 rows' table fits the width, the actions in words.
    expect(page.locator(".list-table tbody tr")).to_have_count(25)
    assert scroll_width(page) <= DESKTOP["width"]
    expect(row.get_by_role("link", name=words["next"])).to_be_visible()

    page.set_viewport_size(PHONE)
    next_frames(page)
    assert scroll_width(page) <= PHONE["width"]
    # One card: as wide as the list, the number above the description above the values.
    card = row.bounding_box()
    frame = page.locator(".table-frame").bounding_box()
    assert card["x"] >= frame["x"] and card["x"] + card["width"] <= frame["x"] + frame["width"]
    number = row.locator("th").bounding_box()
    description = row.locator(".cell-description").bounding_box()
    contact = row.locator("td[data-label]").first
    assert number["y"] < description["y"] < contact.bounding_box()["y"]
    caption = contact.evaluate("cell => getComputedStyle(cell, '::before').content")
    assert caption == f'"{words["contact"]}"'
    # The headings stay for screen readers only.
    assert page.locator(".list-table thead").bounding_box()["height"] <= 1

    # The actions: Next in words, the others in the Actions menu, which the keyboard opens.
    expect(row.get_by_role("link", name=words["next"])).to_be_visible()
    close = row.get_by_role("link", name=words["close"])
    expect(close).to_be_hidden()
    row.locator(".row-menu summary").focus()
    page.keyboard.press("Enter")
    expect(close).to_be_visible()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(close).to_be_focused()
    assert scroll_width(page) <= PHONE["width"]
    # Escape closes the menu and gives the focus back to its button.
    page.keyboard.press("Escape")
    expect(close).to_be_hidden()
    expect(row.locator(".row-menu summary")).to_be_focused()
