"""The contact picker in a real browser, in English and in French: typing part of a name fills
the field's suggestions from the search, the number chosen makes the opportunity; in the list's
filter pane the same picker filters the list by the company typed."""

import re

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from opportunities.models import Opportunity
from opportunities.roles import SALES_MANAGER, create_roles
from tests.browser.pages import log_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OK = "OK"


@pytest.fixture
def manager(fx):
    create_roles(apps)
    user = UserFactory(username="manager")
    user.groups.add(Group.objects.get(name=SALES_MANAGER))
    return user


@pytest.mark.parametrize("browser_page", ["en", "fr"], indirect=True)
def test_typing_a_name_suggests_the_contact_and_the_number_makes_the_opportunity(
    browser_page, manager, fx
):
    page = browser_page
    log_in(page, "manager", "/opportunities/new/")
    page.fill("#id_description", "Desks")
    field = page.locator("#id_contact")
    field.press_sequentially("rob", delay=30)
    option = page.locator("#id_contact-options option")
    expect(option).to_have_count(1)
    expect(option).to_have_attribute("value", "CT101")
    expect(option).to_have_text("CT101 Robert (Adatum)")
    field.fill("CT101")
    page.select_option("#id_sales_cycle", "STD")
    page.uncheck("#id_activate_first_stage")
    page.get_by_role("button", name=OK, exact=True).click()
    expect(page).not_to_have_url(re.compile(r"/opportunities/new/"))
    assert Opportunity.objects.get(description="Desks").contact == fx.CT101


@pytest.mark.parametrize("browser_page", ["en", "fr"], indirect=True)
def test_the_list_filter_suggests_contacts_and_filters_by_the_company_typed(
    browser_page, manager, fx
):
    own = fx.create_opp_a(description="Adatum's own")
    robert = fx.create_opp_a(description="Robert's", contact=fx.CT101)
    fx.create_opp_a(description="Litware's", contact=fx.CT200)
    page = browser_page
    log_in(page, "manager", "/opportunities/")
    field = page.locator("#id_contact")
    field.press_sequentially("adat", delay=30)
    expect(page.locator("#id_contact-options option")).to_have_attribute("value", "CT100")
    expect(page).to_have_url(re.compile(r"/opportunities/$"))  # a suggestion is no filter yet
    field.fill("CT100")
    field.press("Enter")
    expect(page).to_have_url(re.compile(r"contact=CT100"))
    table = page.locator("#results table")
    expect(table).to_contain_text(own.number)
    expect(table).to_contain_text(robert.number)
    expect(table).not_to_contain_text("Litware's")
