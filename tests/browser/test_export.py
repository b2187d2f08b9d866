"""The Export menu of the opportunity list: it opens, and its links download the list's rows
with its current filters (also those chosen since the page loaded), headed in the user's
language."""

import csv
import io
import re

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from opportunities.roles import SALES_MANAGER, create_roles
from tests.browser.pages import log_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def manager_login(fx):
    create_roles(apps)
    user = UserFactory(username="annette")
    user.groups.add(Group.objects.get(name=SALES_MANAGER))
    fx.create_opp_a(description="Desks for Adatum")
    fx.create_opp_a(description="Chairs for Litware", contact=fx.CT200, salesperson=fx.AH)
    return user


@pytest.mark.parametrize("browser_page", ["en", "fr"], indirect=True)
def test_the_export_menu_downloads_the_filtered_list_as_csv(browser_page, manager_login):
    page = browser_page
    log_in(page, "annette", "/opportunities/")
    # A filter chosen in the pane (htmx) is in the menu's links too.
    page.locator("#id_salesperson").select_option("AH")
    expect(page).to_have_url(re.compile(r"salesperson=AH"))
    expect(page.locator("#results")).not_to_contain_text("Desks for Adatum")
    export = "Exporter" if page.language == "fr" else "Export"
    page.locator("summary", has_text=export).click()
    link = page.get_by_role("link", name="Fichier CSV" if page.language == "fr" else "CSV file")
    expect(link.first).to_be_visible()
    with page.expect_download() as download:
        link.first.click()
    assert re.fullmatch(r"opportunities-\d{4}-\d{2}-\d{2}\.csv", download.value.suggested_filename)
    text = download.value.path().read_text(encoding="utf-8-sig")
    header, *rows = csv.reader(io.StringIO(text, newline=""))
    assert header[0] == ("Numéro" if page.language == "fr" else "Number")
    assert [row[1] for row in rows] == ["Chairs for Litware"]
