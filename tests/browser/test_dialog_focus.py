"""Keyboard and eye on the opportunity card: a dialog gives the focus back to the button that
opened it when it closes (Escape, its Cancel button, or its save bringing the card back), the
current section's link says so and shows the keyboard's focus, and the colours of text on the
grey page and of the focus ring reach WCAG's contrast (4.5:1 and 3:1)."""

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from opportunities.roles import SALES_MANAGER, create_roles
from tests.browser.pages import log_in
from tests.browser.test_edit import WORDS, shown
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CANCEL = {"en": "Cancel", "fr": "Annuler"}


@pytest.fixture
def card(fx):
    """OPP-A, and a sales manager to log in as."""
    create_roles(apps)
    manager = UserFactory(username="manager")
    manager.groups.add(Group.objects.get(name=SALES_MANAGER))
    return fx.create_opp_a()


def edit_link(page):
    return page.locator(".card-actions").get_by_role("link", name=WORDS[page.language]["edit"])


def open_with_the_keyboard(page) -> None:
    edit_link(page).focus()
    page.keyboard.press("Enter")
    shown(page, "edit-form")


def expect_focus_on_the_edit_link(page) -> None:
    expect(page.locator("#dialog")).to_be_hidden()
    expect(edit_link(page)).to_be_focused()


@pytest.mark.parametrize("browser_page", ["en", "fr"], indirect=True)
def test_the_focus_returns_to_the_button_that_opened_the_dialog(browser_page, card):
    page = browser_page
    words = WORDS[page.language]
    log_in(page, "manager", card.get_absolute_url())

    open_with_the_keyboard(page)
    page.keyboard.press("Escape")
    expect_focus_on_the_edit_link(page)

    open_with_the_keyboard(page)
    page.locator("#dialog").get_by_role("link", name=CANCEL[page.language]).click()
    expect_focus_on_the_edit_link(page)

    # Saved, the answer sends the browser back to the card: the focus is on Edit again.
    open_with_the_keyboard(page)
    page.fill("#id_description", "Deal A, keyboard")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("#messages")).to_contain_text(words["saved"])
    expect(edit_link(page)).to_be_focused()
    # The dialog is named by its title only while a dialog is in it.
    assert page.locator("#dialog").get_attribute("aria-labelledby") is None


CONTRAST = """
(selector) => {
  const channel = (c) => {
    c /= 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const rgb = (text) => text.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const luminance = ([r, g, b]) =>
    0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const ratio = (a, b) => {
    const [high, low] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (high + 0.05) / (low + 0.05);
  };
  const page = rgb(getComputedStyle(document.body).backgroundColor);
  const element = document.querySelector(selector);
  const style = getComputedStyle(element);
  return {
    text: ratio(rgb(style.color), page),
    outline: style.outlineStyle === "none" ? 0 : ratio(rgb(style.outlineColor), page),
  };
}
"""


def test_text_and_focus_rings_on_the_grey_page_reach_their_contrast(browser_page, card):
    page = browser_page
    log_in(page, "manager", card.get_absolute_url())
    for selector in (".breadcrumb a", ".card-actions .btn-outline-primary"):
        assert page.evaluate(CONTRAST, selector)["text"] >= 4.5, selector
    edit_link(page).focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")  # a keyboard focus, so that :focus-visible applies
    assert page.evaluate(CONTRAST, ":focus")["outline"] >= 3


def test_the_current_section_link_says_so_and_shows_the_keyboard_focus(browser_page, card):
    page = browser_page
    log_in(page, "manager", "/opportunities/")
    current = page.locator("#main-nav a[aria-current=page]")
    expect(current).to_have_count(1)
    expect(current).to_have_text("Opportunities")
    current.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    expect(current).to_be_focused()
    outline = current.evaluate(
        "(link) => { const s = getComputedStyle(link); return [s.outlineStyle, s.outlineColor]; }"
    )
    assert outline == ["solid", "rgb(255, 255, 255)"]  # white on the dark bar: 12:1
