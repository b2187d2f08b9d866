"""The top bar at a laptop's 1366 px, in English and in French, for a manager who also runs the
administration (the most entries): one row, nothing wrapped."""

import re

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from opportunities.roles import SALES_MANAGER, create_roles
from tests.browser.pages import DESKTOP, PHONE, SCREENSHOTS, log_in, next_frames
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def staff_manager(fx):
    create_roles(apps)
    # A login as long as a real one: first name and last name.
    user = UserFactory(username="annette.hill-morgan", is_staff=True)
    user.groups.add(Group.objects.get(name=SALES_MANAGER))
    return user


def rows_of_the_top_bar(page) -> dict:
    """The vertical middles of the bar's pieces, and whether any text wrapped inside one."""
    return page.evaluate(
        """() => {
            const pieces = [...document.querySelectorAll(
                '.navbar-brand, #main-nav .nav-link, #main-nav .btn'
            )].filter(element => element.offsetParent !== null);
            const middles = pieces.map(element => {
                const box = element.getBoundingClientRect();
                return Math.round(box.top + box.height / 2);
            });
            const wrapped = pieces.filter(element => {
                const line = parseFloat(getComputedStyle(element).lineHeight) || 24;
                return element.getBoundingClientRect().height > line * 1.6 + 16;
            }).map(element => element.textContent.trim());
            return {middles: [...new Set(middles)], wrapped, count: pieces.length};
        }"""
    )


@pytest.mark.parametrize("browser_page", ["en", "fr"], indirect=True)
def test_the_top_bar_is_one_row_at_1366_px(browser_page, staff_manager):
    page = browser_page
    assert DESKTOP["width"] == 1366
    log_in(page, "annette.hill-morgan")
    next_frames(page)
    bar = rows_of_the_top_bar(page)
    SCREENSHOTS.mkdir(exist_ok=True)
    page.locator("nav.navbar").screenshot(path=SCREENSHOTS / f"{page.language}-desktop-top-bar.png")
    assert bar["count"] >= 9  # brand, five sections, the languages and the user menu
    assert bar["wrapped"] == [], bar
    assert max(bar["middles"]) - min(bar["middles"]) <= 4, bar


LOG_OUT = {"en": "Log out", "fr": "Se déconnecter"}


@pytest.mark.parametrize("browser_page", ["en", "fr"], indirect=True)
def test_the_user_menu_holds_the_api_tokens_and_log_out(browser_page, staff_manager):
    page = browser_page
    log_in(page, "annette.hill-morgan")
    menu = page.locator(".user-menu")
    expect(menu.get_by_role("button", name=LOG_OUT[page.language])).to_be_hidden()
    menu.get_by_role("button", name="annette.hill-morgan").click()
    expect(menu.get_by_role("link", name=re.compile("API"))).to_be_visible()
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{page.language}-desktop-user-menu.png")
    menu.get_by_role("button", name=LOG_OUT[page.language]).click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


@pytest.mark.parametrize("browser_page", ["fr"], indirect=True)
def test_on_a_phone_the_sections_are_behind_the_menu_button(browser_page, staff_manager):
    page = browser_page
    log_in(page, "annette.hill-morgan")
    page.set_viewport_size(PHONE)
    next_frames(page)
    expect(page.locator("#main-nav")).to_be_hidden()
    page.locator(".navbar-toggler").click()
    expect(page.locator("#main-nav")).to_have_class(re.compile(r"\bshow\b"))
    expect(page.get_by_role("link", name="Cycles de vente")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=SCREENSHOTS / "fr-phone-menu.png")
