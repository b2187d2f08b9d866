"""Without JavaScript: the update dialog's "Refresh the defaults" posts the dialog (no field and
no CSRF token in a URL), and the user menu still offers to log out."""

import re

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from opportunities.models import Opportunity
from opportunities.roles import SALES_MANAGER, create_roles
from tests.browser.pages import DESKTOP
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(django_db_setup, browser, live_server, fx):
    create_roles(apps)
    manager = UserFactory(username="manager")
    manager.groups.add(Group.objects.get(name=SALES_MANAGER))
    context = browser.new_context(viewport=DESKTOP, java_script_enabled=False, locale="en-US")
    page = context.new_page()
    page.requested = []
    page.on("request", lambda request: page.requested.append(request.url))
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", "manager")
    page.fill("#id_password", "secret-password")
    page.locator("form.panel button[type=submit]").click()
    expect(page.locator("#main-nav")).to_be_attached()  # logged in
    page.base_url = live_server.url
    yield page
    context.close()


def test_refresh_the_defaults_posts_the_dialog(page, fx, opp_a):
    page.goto(page.base_url + opp_a.get_absolute_url())
    page.locator(".card-actions").get_by_role("link", name="Update").click()
    expect(page.locator("#update-form")).to_be_visible()
    page.select_option("#id_action", "skip")
    with page.expect_request(lambda request: request.method == "POST") as posted:
        page.get_by_role("button", name="Refresh the defaults for this action").click()
    assert "refresh=1" in posted.value.post_data
    expect(page.locator("select#id_to_stage")).to_be_visible()
    page.select_option("#id_to_stage", label="3 Proposal")
    page.get_by_role("button", name="Refresh the defaults for this action").click()
    expect(page.locator("#id_chances_of_success")).to_have_value("50.00")
    assert all("csrfmiddlewaretoken" not in url and "action=" not in url for url in page.requested)
    page.get_by_role("button", name="OK", exact=True).click()
    expect(page.locator("#messages")).to_contain_text("OP000001 moved to Proposal.")
    assert Opportunity.objects.get(pk=opp_a.pk).current_stage.stage == 3


def test_the_user_menu_logs_out(page):
    page.locator(".user-menu").get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
