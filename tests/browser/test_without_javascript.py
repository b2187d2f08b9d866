"""Without JavaScript: the update dialog's "Refresh the defaults" posts the dialog (no field and
no CSRF token in a URL), and the user menu still offers to log out. Every page these tests load
is audited by axe-core as its user sees it (`audit_html`), in English and in French."""

import re

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from opportunities.models import Opportunity
from opportunities.roles import SALES_MANAGER, create_roles
from tests.browser.pages import DESKTOP, audit_html, violations_message
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


WORDS = {
    "en": {
        "update": "Update",
        "refresh": "Refresh the defaults for this action",
        "moved": "OP000001 moved to Proposal.",
        "log_out": "Log out",
    },
    "fr": {
        "update": "Mettre à jour",
        "refresh": "Actualiser les valeurs par défaut de cette action",
        "moved": "OP000001 passée à l\u2019étape Proposal.",
        "log_out": "Se déconnecter",
    },
}


@pytest.fixture(params=["en", "fr"])
def page(request, django_db_setup, browser, live_server, fx):
    """A manager's page in a browser without JavaScript, logged in; each document it loads is
    kept, and audited by axe-core at the end (a violation fails the test)."""
    create_roles(apps)
    manager = UserFactory(username="manager")
    manager.groups.add(Group.objects.get(name=SALES_MANAGER))
    locale = "fr-FR" if request.param == "fr" else "en-US"
    context = browser.new_context(viewport=DESKTOP, java_script_enabled=False, locale=locale)
    page = context.new_page()
    page.words = WORDS[request.param]
    page.requested = []
    page.on("request", lambda request: page.requested.append(request.url))
    shown = []
    page.on("load", lambda loaded: shown.append((loaded.url, loaded.content())))
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", "manager")
    page.fill("#id_password", "secret-password")
    page.locator("form.panel button[type=submit]").click()
    expect(page.locator("#main-nav")).to_be_attached()  # logged in
    page.base_url = live_server.url
    yield page
    context.close()
    results = audit_html(browser, shown, viewport=DESKTOP)
    failed = [result for result in results if result["violations"] or result.get("error")]
    if failed:
        pytest.fail("axe-core found accessibility violations:\n" + violations_message(failed))


def test_refresh_the_defaults_posts_the_dialog(page, fx, opp_a):
    page.goto(page.base_url + opp_a.get_absolute_url())
    page.locator(".card-actions").get_by_role("link", name=page.words["update"]).click()
    expect(page.locator("#update-form")).to_be_visible()
    page.select_option("#id_action", "skip")
    with page.expect_request(lambda request: request.method == "POST") as posted:
        page.get_by_role("button", name=page.words["refresh"]).click()
    assert "refresh=1" in posted.value.post_data
    expect(page.locator("select#id_to_stage")).to_be_visible()
    page.select_option("#id_to_stage", label="3 Proposal")
    page.get_by_role("button", name=page.words["refresh"]).click()
    expect(page.locator("#id_chances_of_success")).to_have_value("50.00")
    assert all("csrfmiddlewaretoken" not in url and "action=" not in url for url in page.requested)
    page.get_by_role("button", name="OK", exact=True).click()
    expect(page.locator("#messages")).to_contain_text(page.words["moved"])
    assert Opportunity.objects.get(pk=opp_a.pk).current_stage.stage == 3


def test_the_user_menu_logs_out(page):
    page.locator(".user-menu").get_by_role("button", name=page.words["log_out"]).click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
