"""API tokens: stored hashed, shown once, revocable, with an optional expiry; the page of the user
menu, the command, and a failed token counted by the login limits of the web login."""

import datetime
import hashlib
import io

import pytest
from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from django.core.management import CommandError, call_command
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from api.authentication import paused, with_failures
from api.models import ApiToken
from tests.api.conftest import token_client
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/opportunities/"


def with_key(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


# --- the model ---------------------------------------------------------------------------------


def test_a_token_is_stored_as_its_prefix_and_the_sha256_of_its_key(manager):
    token, key = ApiToken.create_for(manager, name="Mail")
    token.refresh_from_db()
    assert key.startswith(f"crm_{token.prefix}_")
    assert token.digest == hashlib.sha256(key.encode()).hexdigest()
    stored = " ".join(str(value) for value in ApiToken.objects.values().get().values())
    assert key not in stored
    assert key.split("_", 2)[2] not in stored  # not even the secret part


def test_a_token_authenticates_as_its_user(manager, fx):
    _token, key = ApiToken.create_for(manager)
    response = with_key(key).get(LIST)
    assert response.status_code == 200


def test_a_revoked_token_no_longer_authenticates(manager, fx):
    token, key = ApiToken.create_for(manager)
    token.delete()
    assert with_key(key).get(LIST).status_code == 401


def test_an_expired_token_no_longer_authenticates(manager, fx):
    token, key = ApiToken.create_for(manager, expires_in_days=1)
    assert with_key(key).get(LIST).status_code == 200
    token.expires_at = timezone.now() - datetime.timedelta(seconds=1)
    token.save(update_fields=["expires_at"])
    response = with_key(key).get(LIST)
    assert response.status_code == 401
    assert response.json()["message"] == "The token has expired."


def test_a_token_of_an_inactive_user_does_not_authenticate(manager, fx):
    _token, key = ApiToken.create_for(manager)
    manager.is_active = False
    manager.save(update_fields=["is_active"])
    assert with_key(key).get(LIST).status_code == 401


@pytest.mark.parametrize(
    "header",
    [
        "Token",
        "Token a b",
        "Token crm_zzzzzzzz_secret",
        "Token crm_0123abcd_",
        "Token nothing-like-a-key",
        "Token \u00e9\u00e9",
    ],
)
def test_a_malformed_token_is_401_not_500(manager, fx, header):
    client = APIClient()
    response = client.get(LIST, HTTP_AUTHORIZATION=header.encode().decode("latin-1"))
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_a_right_prefix_with_a_wrong_secret_is_refused(manager, fx):
    _token, key = ApiToken.create_for(manager)
    assert with_key(key[:-4] + "AAAA").get(LIST).status_code == 401


# --- the login limits --------------------------------------------------------------------------


def test_a_failed_token_counts_as_a_failed_login_of_its_user(manager, fx):
    _token, key = ApiToken.create_for(manager)
    with_key(key + "x").get(LIST)
    attempt = AccessAttempt.objects.get()
    assert attempt.username == "manager"
    assert attempt.failures_since_start == 1


def test_failed_tokens_pause_the_tokens_of_that_user_from_that_address(manager, fx, settings):
    _token, key = ApiToken.create_for(manager)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        assert with_key(key + "x").get(LIST).status_code == 401
    # Paused: even the right key is refused, before it is checked, with a Retry-After.
    response = with_key(key).get(LIST)
    assert response.status_code == 429
    assert response.json()["code"] == "login_paused"
    assert int(response["Retry-After"]) > 0
    assert response["Content-Type"] == "application/json"
    # And the web login of that user from that address is paused too: the same limits.
    page = Client().post(reverse("login"), {"username": "manager", "password": "x"})
    assert page.status_code == 429


def test_failed_web_logins_pause_the_tokens_of_that_user_too(manager, fx, settings):
    _token, key = ApiToken.create_for(manager)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        Client().post(reverse("login"), {"username": "manager", "password": "wrong"})
    assert with_key(key).get(LIST).status_code == 429


def test_guessing_keys_of_nobody_is_paused_by_the_address_limit(manager, fx, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 3
    for guess in range(3):
        response = with_key(f"crm_{guess:08x}_guess").get(LIST)
        assert response.status_code == 401
    _token, key = ApiToken.create_for(manager)
    assert with_key(key).get(LIST).status_code == 429


@pytest.mark.parametrize(
    ("user_failures", "others_failures", "minutes_ago", "locked"),
    [
        (0, 0, 0, False),
        (4, 0, 0, False),
        (5, 0, 0, True),  # AXES_FAILURE_LIMIT for the user
        (0, 29, 0, False),
        (1, 29, 0, True),  # LOGIN_ADDRESS_FAILURE_LIMIT for the address, whoever failed
        (0, 30, 0, True),
        (5, 0, 20, False),  # past the cool-off
        (2, 40, 20, False),
    ],
)
def test_a_tokens_pause_is_the_web_logins_pause(
    manager, user_failures, others_failures, minutes_ago, locked
):
    """The token's query reads the login limits' counts itself (one query for both): it
    pauses exactly when the login limits' handler would."""
    token, key = ApiToken.create_for(manager)
    for username, failures in (("manager", user_failures), ("someone", others_failures)):
        if failures:
            attempt = AccessAttempt.objects.create(
                username=username, ip_address="127.0.0.1", failures_since_start=failures
            )
            AccessAttempt.objects.filter(pk=attempt.pk).update(
                attempt_time=timezone.now() - datetime.timedelta(minutes=minutes_ago)
            )
    request = RequestFactory().get(LIST)
    credentials = {"username": "manager"}

    found = with_failures(ApiToken.objects.select_related("user"), request).get(pk=token.pk)

    assert AxesProxyHandler.is_locked(request, credentials) is locked
    assert paused(found.address_failures, found.user_failures, request, credentials) is locked
    assert (with_key(key).get(LIST).status_code == 429) is locked


def test_a_session_is_not_counted_or_paused(manager, fx):
    client = APIClient()
    client.force_login(manager)
    assert client.get(LIST).status_code == 200
    assert not AccessAttempt.objects.exists()


# --- the page ----------------------------------------------------------------------------------


@pytest.fixture
def browser(manager):
    client = Client()
    client.force_login(manager)
    return client


def test_the_user_menu_links_to_the_tokens_page(browser, fx):
    page = browser.get(reverse("opportunities:list")).content.decode()
    assert reverse("api_tokens:list") in page


def test_the_page_makes_a_token_and_shows_its_key_once(browser, manager):
    response = browser.post(reverse("api_tokens:list"), {"name": "Mail", "expires_in_days": "30"})
    assert response.status_code == 200
    token = ApiToken.objects.get(user=manager)
    key = response.context["new_key"]
    assert token.matches(key)
    assert key in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert token.name == "Mail"
    expected = timezone.now() + datetime.timedelta(days=30)
    assert abs(token.expires_at - expected) < datetime.timedelta(minutes=1)
    again = browser.get(reverse("api_tokens:list")).content.decode()
    assert key not in again
    assert token.shown_prefix in again


def test_a_bad_expiry_is_refused_on_the_form_and_makes_nothing(browser):
    response = browser.post(reverse("api_tokens:list"), {"expires_in_days": "0"})
    assert response.status_code == 200
    assert response.context["form"].errors["expires_in_days"]
    assert not ApiToken.objects.exists()
    assert response.context["new_key"] is None


def test_the_page_revokes_a_token(browser, manager):
    token, key = ApiToken.create_for(manager)
    response = browser.post(reverse("api_tokens:revoke", args=[token.pk]))
    assert response.status_code == 302
    assert not ApiToken.objects.filter(pk=token.pk).exists()
    assert with_key(key).get(LIST).status_code == 401


def test_nobody_revokes_or_sees_someone_elses_token(browser, manager):
    other = UserFactory(username="other")
    token, _key = ApiToken.create_for(other, name="Other's")
    page = browser.get(reverse("api_tokens:list")).content.decode()
    assert token.shown_prefix not in page
    assert browser.post(reverse("api_tokens:revoke", args=[token.pk])).status_code == 404
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_the_page_speaks_french(browser):
    browser.post(reverse("set_language"), {"language": "fr", "next": "/"})
    page = browser.get(reverse("api_tokens:list")).content.decode()
    assert "Jetons d\u2019API" in page
    assert "Révoquer" not in page  # no token yet
    browser.post(reverse("api_tokens:list"), {"name": "Outil"})
    assert "Révoquer" in browser.get(reverse("api_tokens:list")).content.decode()


def test_the_page_needs_a_login(fx):
    response = Client().get(reverse("api_tokens:list"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


# --- the command -------------------------------------------------------------------------------


def test_the_command_prints_a_key_that_works(manager, fx):
    out = io.StringIO()
    call_command("create_api_token", "manager", "--expires-days", "7", stdout=out, stderr=out)
    key = out.getvalue().strip().splitlines()[-1]
    token = ApiToken.objects.get(user=manager)
    assert token.matches(key)
    assert token.expires_at is not None
    assert with_key(key).get(LIST).status_code == 200


@pytest.mark.parametrize(
    "arguments", [["ghost"], ["manager", "--expires-days", "0"], ["manager", "--name", "x" * 101]]
)
def test_the_command_refuses_an_unknown_user_or_a_bad_option(manager, arguments):
    with pytest.raises(CommandError):
        call_command("create_api_token", *arguments, stdout=io.StringIO(), stderr=io.StringIO())
    assert not ApiToken.objects.exists()


def test_a_new_token_is_a_new_key_each_time(manager):
    keys = {token_client(manager).key for _ in range(3)}
    assert len(keys) == 3
