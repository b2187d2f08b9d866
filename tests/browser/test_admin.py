"""The administration at a laptop's width: a sales cycle's stages fit without scrolling sideways,
and the header names the product. Screenshots land in tests/browser/screenshots/."""

import pytest
from playwright.sync_api import expect

from tests.browser.pages import DESKTOP, log_in, next_frames, screenshot
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADER = {"en": "Opportunity CRM administration", "fr": "Administration de CRM Opportunités"}


@pytest.fixture
def admin_user(fx):
    return UserFactory(username="admin", is_staff=True, is_superuser=True)


@pytest.mark.parametrize("browser_page", ["en", "fr"], indirect=True)
def test_the_stages_of_a_sales_cycle_fit_a_laptop_screen(browser_page, admin_user, fx):
    page = browser_page
    assert DESKTOP["width"] == 1366
    log_in(page, "admin", "/admin/")
    expect(page.locator("#site-name")).to_have_text(HEADER[page.language])
    page.goto(f"{page.base_url}/admin/salescycles/salescycle/{fx.STD.pk}/change/")
    table = page.locator("#stages-group table")
    expect(table).to_be_visible()
    next_frames(page)
    # Nothing of the page or of the stages' table is cut off on the right.
    widths = page.evaluate(
        """() => {
            const group = document.querySelector('#stages-group');
            const table = group.querySelector('table');
            return {
                page: document.documentElement.scrollWidth,
                window: window.innerWidth,
                table: table.getBoundingClientRect().right,
                group: group.getBoundingClientRect().right,
            };
        }"""
    )
    assert widths["page"] <= widths["window"], widths
    assert widths["table"] <= widths["group"] + 1, widths
    screenshot(page, "admin-stages")
