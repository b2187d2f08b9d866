"""The frame of the site: login, logout, navigation, messages, language, errors, methods."""

import pytest
from django.test import Client
from django.urls import reverse

from opportunities import services
from opportunities.models import UpdateAction

pytestmark = pytest.mark.django_db

PAGES = [
    ("opportunities:list", []),
    ("opportunities:create", []),
    ("opportunities:batch_delete", []),
    ("opportunities:detail", ["OP000001"]),
    ("opportunities:update", ["OP000001"]),
    ("opportunities:close", ["OP000001"]),
    ("opportunities:delete", ["OP000001"]),
    ("opportunities:quote_detail", ["SQ000001"]),
    ("opportunities:make_order", ["SQ000001"]),
    ("opportunities:quote_delete", ["SQ000001"]),
    ("opportunities:order_detail", ["SO000001"]),
    ("opportunities:order_delete", ["SO000001"]),
    ("contacts:contact_list", []),
    ("contacts:contact_detail", ["CT100"]),
    ("contacts:salesperson_list", []),
    ("contacts:salesperson_detail", ["JO"]),
    ("salescycles:list", []),
    ("salescycles:detail", ["STD"]),
]

WRITES = [
    ("opportunities:activate", ["OP000001"]),
    ("opportunities:create_quote", ["OP000001"]),
    ("opportunities:quote_line_add", ["SQ000001"]),
    ("opportunities:quote_line_update", ["SQ000001", 1]),
    ("opportunities:quote_line_delete", ["SQ000001", 1]),
    ("contacts:create_customer", ["CT200"]),
]


@pytest.mark.parametrize(("name", "args"), PAGES + WRITES)
def test_every_page_requires_login(anonymous, name, args):
    url = reverse(name, args=args)
    response = anonymous.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(("name", "args"), WRITES)
def test_write_urls_answer_get_with_405(client, opp_a, name, args):
    assert client.get(reverse(name, args=args)).status_code == 405


def test_the_home_page_is_the_dashboard_and_the_list_has_its_own_address(client, opp_a):
    response = client.get("/")
    assert response.status_code == 200
    assert response.resolver_match.view_name == "pipeline:dashboard"
    listed = client.get(reverse("opportunities:list"))
    assert listed.resolver_match.view_name == "opportunities:list"
    assert b"OP000001" in listed.content


def test_the_login_page_is_styled_and_logs_in(fx, manager):
    client = Client()
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert b"bootstrap/css/bootstrap.min.css" in page.content
    response = client.post(
        reverse("login"), {"username": "manager", "password": "secret-password"}, follow=True
    )
    assert response.resolver_match.view_name == "pipeline:dashboard"


def test_a_wrong_password_is_refused_on_the_login_page(fx, manager):
    response = Client().post(reverse("login"), {"username": "manager", "password": "nope"})
    assert response.status_code == 200
    assert response.context["form"].errors


def test_logout_is_a_post_and_ends_the_session(client):
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_the_layout_has_the_navigation_and_serves_assets_locally(client, opp_a):
    content = client.get("/").content.decode()
    for name in ("contacts:contact_list", "contacts:salesperson_list", "salescycles:list"):
        assert f'href="{reverse(name)}"' in content
    assert reverse("opportunities:batch_delete") in content
    assert reverse("admin:index") not in content  # the manager is not staff
    assert "/static/bootstrap/js/bootstrap.bundle.min.js" in content
    assert "/static/django_htmx/htmx-2" in content
    assert "cdn" not in content.lower()
    assert "<script>" not in content and "style=" not in content


def test_a_salesperson_does_not_see_administration(seller_client, opp_a):
    content = seller_client.get("/").content.decode()
    assert reverse("opportunities:batch_delete") not in content


def test_messages_are_shown_once(client, opp_a):
    client.post(
        reverse("opportunities:update", args=[opp_a.number]),
        {"version": opp_a.version, "action": UpdateAction.NEXT},
    )
    first = client.get("/").content.decode()
    assert "OP000001 moved to Needs." in first
    assert "OP000001 moved to Needs." not in client.get("/").content.decode()


def test_the_language_switch_keeps_the_page(client, opp_a):
    card = reverse("opportunities:detail", args=[opp_a.number])
    response = client.post(reverse("set_language"), {"language": "fr", "next": card})
    assert response["Location"] == card
    page = client.get(card).content.decode()
    assert '<html lang="fr"' in page
    assert "Valeur estimée" in page
    assert "10\xa0000,00" in page
    client.post(reverse("set_language"), {"language": "en", "next": card})
    assert "Estimated value" in client.get(card).content.decode()


def test_404_is_shown_in_the_site_layout(client, settings):
    settings.DEBUG = False
    response = client.get("/opportunities/OP999999/")
    assert response.status_code == 404
    content = response.content.decode()
    assert "Page not found" in content
    assert "navbar" in content


@pytest.mark.parametrize(
    "url, data",
    [
        ("opportunities:create", {"contact": "CT\x00100"}),
        ("opportunities:list", {"q": "\x00"}),
        ("contacts:contact_list", {"q\x00": "x"}),
    ],
)
def test_a_nul_character_in_the_request_is_a_400_in_the_site_layout(client, fx, url, data):
    response = client.get(reverse(url), data)
    assert response.status_code == 400
    assert "Bad request" in response.content.decode()
    response = client.post(reverse(url), data)
    assert response.status_code == 400


def test_500_page_renders_in_the_layout_without_a_request():
    from django.template import loader

    content = loader.get_template("500.html").render()
    assert "Something went wrong" in content
    assert "bootstrap.min.css" in content


def test_a_refused_button_action_shows_the_message_and_writes_nothing(client, fx):
    opportunity = services.create_opportunity(
        description="Deal", contact=fx.CT100, sales_cycle=fx.STD, salesperson=fx.JO
    )
    services.activate_first_stage(opportunity)
    # The page still offered "Activate" with the version it showed; the state moved on.
    response = client.post(
        reverse("opportunities:activate", args=[opportunity.number]),
        {"version": opportunity.version},
        follow=True,
    )
    assert "is not offered" in response.content.decode()
    assert opportunity.entries.count() == 1


def test_the_login_page_switches_language_before_logging_in(fx, anonymous):
    login = reverse("login") + "?next=/"
    response = anonymous.post(reverse("set_language"), {"language": "fr", "next": login})
    assert response["Location"] == login
    assert "Se connecter" in anonymous.get(login).content.decode()
