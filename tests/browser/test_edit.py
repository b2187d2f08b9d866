"""Edit from the card, in a real browser, in English and in French: the dialog opens over the
card with the current values, saves through the service, refuses a stale edit and a field the
rules refuse next to that field. Screenshots of the card, the edit dialog and the close dialog
land in tests/browser/screenshots/."""

import re

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from contacts.models import Salesperson
from opportunities import services
from opportunities.models import Opportunity
from opportunities.roles import SALES_MANAGER, create_roles
from tests.browser.pages import log_in, screenshot
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {
    "en": {
        "edit": "Edit",
        "close": "Close",
        "ok": "OK",
        "saved": "OP000001 saved.",
        "stale": "was changed by someone else",
        "blocked": "Salesperson AH is blocked.",
    },
    "fr": {
        "edit": "Modifier",
        "close": "Clôturer",
        "ok": "OK",
        "saved": "OP000001 enregistrée.",
        "stale": "a été modifiée par quelqu",
        "blocked": "Le vendeur AH est bloqué.",
    },
}


@pytest.fixture
def opportunity(fx):
    create_roles(apps)
    manager = UserFactory(username="manager")
    manager.groups.add(Group.objects.get(name=SALES_MANAGER))
    fx.AH.user = manager
    fx.AH.save(update_fields=["user"])
    return fx.create_opp_a()


def dialog(page):
    return page.locator("#dialog")


def shown(page, form_id: str) -> None:
    """Wait until the dialog has faded in: its first field has the focus then."""
    expect(dialog(page).locator(f"form#{form_id}")).to_be_visible()
    page.wait_for_function(
        "() => document.getElementById('dialog').contains(document.activeElement)"
    )


def open_edit(page, words) -> None:
    page.locator(".card-actions").get_by_role("link", name=words["edit"], exact=True).click()
    shown(page, "edit-form")


def press_ok(page, words) -> None:
    dialog(page).get_by_role("button", name=words["ok"], exact=True).click()


@pytest.mark.parametrize("browser_page", ["en", "fr"], indirect=True)
def test_edit_from_the_card(browser_page, opportunity, fx):
    page = browser_page
    words = WORDS[page.language]
    log_in(page, "manager", opportunity.get_absolute_url())
    screenshot(page, "edit-card")

    # The dialog opens over the card with the current values; saving goes through the service.
    open_edit(page, words)
    expect(page.locator("#id_description")).to_have_value("Deal A")
    expect(page.locator("#id_contact")).to_have_value("CT100")
    expect(page.locator("#id_salesperson")).to_have_value("JO")
    expect(page.locator("#id_sales_cycle")).to_have_count(0)  # started: the cycle stays
    page.fill("#id_description", "Deal A, second phase")
    page.select_option("#id_priority", "high")
    page.fill("#id_contact", "CT101")
    screenshot(page, "edit")
    with page.expect_navigation():
        press_ok(page, words)
    expect(page.locator("#messages")).to_contain_text(words["saved"])
    expect(page.locator("h1")).to_contain_text("Deal A, second phase")
    saved = Opportunity.objects.get(pk=opportunity.pk)
    assert (saved.description, saved.priority, saved.contact) == (
        "Deal A, second phase",
        "high",
        fx.CT101,
    )

    # Someone else changes the opportunity while the dialog is open: refused, the current
    # version is loaded, what was typed stays, and a second OK saves it.
    open_edit(page, words)
    page.fill("#id_description", "Typed on an old view")
    services.change_opportunity(saved, priority="low")
    press_ok(page, words)
    expect(dialog(page).locator(".alert-danger")).to_contain_text(words["stale"])
    expect(page.locator("#id_description")).to_have_value("Typed on an old view")
    assert Opportunity.objects.get(pk=opportunity.pk).description == "Deal A, second phase"
    with page.expect_navigation():
        press_ok(page, words)
    expect(page.locator("#messages")).to_contain_text(words["saved"])

    # A rule that refuses a field shows next to that field: AH is blocked in the meantime.
    open_edit(page, words)
    page.select_option("#id_salesperson", "AH")
    Salesperson.objects.filter(code="AH").update(blocked=True)
    press_ok(page, words)
    field = page.locator("#id_salesperson")
    expect(field).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.locator("#id_salesperson_error")).to_have_text(words["blocked"])
    # The summary at the top names it too, linking to the field.
    summary = dialog(page).locator('.alert-danger a[href="#id_salesperson"]')
    expect(summary).to_have_text(words["blocked"])
    screenshot(page, "edit-refused")
    assert Opportunity.objects.get(pk=opportunity.pk).salesperson == fx.JO
    page.keyboard.press("Escape")
    expect(dialog(page)).to_be_hidden()

    # The close dialog, for the pictures.
    page.locator(".card-actions").get_by_role("link", name=words["close"]).click()
    shown(page, "close-form")
    screenshot(page, "close-dialog")
