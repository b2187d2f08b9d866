"""Login limits: failed logins pause further logins for a while (django-axes, in the database).

The policy (config/settings.py, README "Login limits"): 5 failed logins for one username from
one address pause that username there; 30 failed logins from one address, whatever the
usernames, pause every login from it. The pause lasts 15 minutes after the last attempt. Only
failures count: a successful login is never held against anyone. The pause answers 429 with the
site's own page, in the user's language; a manager ends it sooner in the admin or with
`axes_reset_username` / `axes_reset_ip` / `axes_reset`.
"""

import datetime
import io

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.db.models import F
from django.test import Client
from django.urls import reverse

from config import settings as project_settings
from opportunities.roles import SALES_MANAGER
from tests.conftest import user_with_role
from tests.factories import UserFactory
from tests.trust.conftest import logged_in

pytestmark = pytest.mark.django_db

PASSWORD = "secret-password"  # the factories' password
ELSEWHERE = "198.51.100.7"


def log_in(client: Client, username: str, password: str, *, admin: bool = False, **extra):
    url = reverse("admin:login") if admin else reverse("login")
    return client.post(url, {"username": username, "password": password}, **extra)


def fail(client: Client, username: str, times: int, **extra) -> None:
    """`times` wrong passwords, each answered like any wrong password (the login form again)."""
    for _ in range(times):
        response = log_in(client, username, "wrong password", **extra)
        assert response.status_code == 200, response.status_code
        assert response.context["form"].errors


def pause(client: Client, username: str, **extra):
    """Fail until the limit: the last failure is already answered with the pause."""
    fail(client, username, settings.AXES_FAILURE_LIMIT - 1, **extra)
    return log_in(client, username, "wrong password", **extra)


def assert_paused(response, *, heading="Login paused", minutes="15 minutes") -> None:
    assert response.status_code == 429, response.status_code
    assert "registration/login_paused.html" in [used.name for used in response.templates]
    page = response.content.decode()
    assert heading in page
    assert minutes in page
    assert "bootstrap/css/bootstrap.min.css" in page  # the site's layout, not a bare answer
    assert response["Retry-After"] == str(15 * 60)


def assert_logged_in(response, client: Client, user) -> None:
    assert response.status_code == 302, response.status_code
    assert client.session[SESSION_KEY] == str(user.pk)


def assert_not_logged_in(client: Client, user) -> None:
    assert SESSION_KEY not in client.session
    user.refresh_from_db()
    assert user.last_login is None


def test_five_wrong_passwords_then_the_right_one_is_refused_with_the_pause_page(manager):
    client = Client()
    assert_paused(pause(client, "manager"))
    assert_paused(log_in(client, "manager", PASSWORD))
    assert_not_logged_in(client, manager)


def test_the_pause_page_speaks_french(manager):
    client = Client(headers={"accept-language": "fr"})
    assert_paused(pause(client, "manager"), heading="Connexion suspendue", minutes="15 minutes")
    response = log_in(client, "manager", PASSWORD)
    assert_paused(response, heading="Connexion suspendue")
    assert "Login paused" not in response.content.decode()
    assert_not_logged_in(client, manager)


def test_another_user_from_the_same_address_still_logs_in(manager):
    other = UserFactory(username="other")
    client = Client()
    assert_paused(pause(client, "manager"))
    assert_logged_in(log_in(client, "other", PASSWORD), client, other)


def test_the_same_user_from_another_address_still_logs_in(manager):
    assert_paused(pause(Client(), "manager"))
    client = Client(REMOTE_ADDR=ELSEWHERE)
    assert_logged_in(log_in(client, "manager", PASSWORD), client, manager)


def test_many_failures_for_any_usernames_from_one_address_pause_every_login_from_it(
    manager, settings
):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 8
    client = Client()
    for number in range(7):
        fail(client, f"guess{number}", 1)
    assert_paused(log_in(client, "guess7", "wrong password"))
    # The manager never failed, but logins from this address are paused.
    assert_paused(log_in(client, "manager", PASSWORD))
    assert_not_logged_in(client, manager)
    elsewhere = Client(REMOTE_ADDR=ELSEWHERE)
    assert_logged_in(log_in(elsewhere, "manager", PASSWORD), elsewhere, manager)


def test_only_failures_count_many_successful_logins_from_one_address_pause_nothing(manager):
    """As in the load test: everyone logs in from 127.0.0.1 with the same usernames."""
    jo = UserFactory(username="jo")
    for _ in range(settings.LOGIN_ADDRESS_FAILURE_LIMIT + 5):
        for user in (manager, jo):
            client = Client()
            assert_logged_in(log_in(client, user.username, PASSWORD), client, user)
    client = Client()
    fail(client, "manager", settings.AXES_FAILURE_LIMIT - 1)
    assert_logged_in(log_in(client, "manager", PASSWORD), client, manager)
    assert not AccessAttempt.objects.filter(username="jo").exists()


def test_the_pause_ends_after_the_cool_off(manager):
    client = Client()
    assert_paused(pause(client, "manager"))
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - datetime.timedelta(minutes=16))
    assert_logged_in(log_in(client, "manager", PASSWORD), client, manager)


@pytest.mark.parametrize(
    "command",
    [
        ["axes_reset_username", "manager"],
        ["axes_reset_ip", "127.0.0.1"],
        ["axes_reset"],
    ],
)
def test_a_reset_command_ends_the_pause(manager, command):
    client = Client()
    assert_paused(pause(client, "manager"))
    call_command(*command, stdout=io.StringIO())
    assert not AccessAttempt.objects.exists()
    assert_logged_in(log_in(client, "manager", PASSWORD), client, manager)


def test_reset_username_leaves_the_other_users_pauses_alone(manager):
    UserFactory(username="other")
    client = Client()
    assert_paused(pause(client, "manager"))
    assert_paused(pause(client, "other"))
    call_command("axes_reset_username", "manager", stdout=io.StringIO())
    assert_logged_in(log_in(client, "manager", PASSWORD), client, manager)
    assert_paused(log_in(Client(), "other", PASSWORD))


@pytest.mark.parametrize("who", ["superuser", "sales manager"])
def test_an_administrator_ends_the_pause_by_deleting_the_attempt_in_the_admin(manager, who):
    assert_paused(pause(Client(), "manager"))
    attempt = AccessAttempt.objects.get(username="manager")
    if who == "superuser":
        unlocker = UserFactory(username="root", is_staff=True, is_superuser=True)
    else:
        unlocker = user_with_role("boss", SALES_MANAGER)
        unlocker.is_staff = True
        unlocker.save(update_fields=["is_staff"])
    admin = logged_in(unlocker)
    listing = admin.get(reverse("admin:axes_accessattempt_changelist"))
    assert listing.status_code == 200
    assert "manager" in listing.content.decode()
    response = admin.post(
        reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    client = Client()
    assert_logged_in(log_in(client, "manager", PASSWORD), client, manager)


def test_the_admin_login_is_limited_too_and_shares_the_count(manager):
    client = Client()
    fail(client, "manager", settings.AXES_FAILURE_LIMIT - 1, admin=True)
    assert_paused(log_in(client, "manager", "wrong password", admin=True))
    assert_paused(log_in(client, "manager", PASSWORD, admin=True))
    assert_paused(log_in(client, "manager", PASSWORD))
    assert_not_logged_in(client, manager)


@pytest.mark.parametrize(
    "data, headers",
    [
        ({"username": "manager", "password": PASSWORD}, {"x-requested-with": "XMLHttpRequest"}),
        ({"username": "manager", "password": PASSWORD}, {"hx-request": "true"}),
        ({"username": "manager", "password": ""}, {}),
        ({"username": "manager"}, {}),
        ({"username": "manager", "password": "x" * 5000}, {}),
        ({"username": "manager", "password": PASSWORD, "next": "https://evil.example/"}, {}),
    ],
)
def test_a_paused_login_is_never_a_server_error(manager, data, headers):
    client = Client(headers=headers)
    assert_paused(pause(client, "manager"))
    response = client.post(reverse("login"), data)
    assert response.status_code in (200, 429), response.status_code
    assert client.get(reverse("login")).status_code == 200
    assert_not_logged_in(client, manager)


def test_a_forged_x_forwarded_for_does_not_escape_the_pause_without_the_tls_proxy(manager):
    client = Client()
    assert_paused(pause(client, "manager"))
    response = log_in(client, "manager", PASSWORD, headers={"x-forwarded-for": ELSEWHERE})
    assert_paused(response)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"127.0.0.1"}


def test_behind_the_tls_proxy_the_address_the_proxy_appended_counts(manager, settings):
    settings.BEHIND_TLS_PROXY = True
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    client = Client(**proxy)
    # The client forges the left part; the balancer appends the address it saw.
    forged = {"x-forwarded-for": "203.0.113.1, 192.0.2.50"}
    assert_paused(pause(client, "manager", headers=forged))
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"192.0.2.50"}
    other_forgery = {"x-forwarded-for": "203.0.113.2, 192.0.2.50"}
    assert_paused(log_in(client, "manager", PASSWORD, headers=other_forgery))
    other_client = {"x-forwarded-for": "192.0.2.51"}
    assert_logged_in(log_in(client, "manager", PASSWORD, headers=other_client), client, manager)


def test_an_unreadable_forwarded_address_falls_back_to_the_peer_address(manager, settings):
    settings.BEHIND_TLS_PROXY = True
    client = Client(REMOTE_ADDR="10.0.0.2", headers={"x-forwarded-for": "not an address"})
    assert_paused(pause(client, "manager"))
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"10.0.0.2"}


def test_passwords_are_stored_with_argon2_and_older_hashes_are_upgraded_at_login(settings):
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    assert settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    user = UserFactory(username="old")
    user.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    user.save(update_fields=["password"])
    client = Client()
    assert_logged_in(log_in(client, "old", PASSWORD), client, user)
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
    assert user.check_password(PASSWORD)
