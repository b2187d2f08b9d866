"""Every URL is guarded: this test walks every URL pattern of the site and knows the guard of
each. A new URL without an entry in GUARDS fails it.

- anonymous users are sent to the login (the site's, or the admin's for the admin);
- users without the permission get 403 (or 404), and nothing is written;
- writes refuse GET (405) or only show their dialog on GET, refuse other methods (405) and refuse
  a POST without a CSRF token (403).
"""

import re
from dataclasses import dataclass

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from jobs.models import Job
from tests.snapshots import database_state
from tests.trust.conftest import logged_in


@dataclass(frozen=True)
class Guard:
    """Who may use a URL and how.

    who: "public", "reader" (any role), "creator" (may create opportunities), "owner" (a
    salesperson on their own opportunities, a manager on all), "manager", "customer" (may make
    customers), "user" (any logged-in user).
    methods: "GET" (a page), "dialog" (GET shows a form, POST acts), "POST" (an action).
    """

    who: str
    methods: str


READ = Guard("reader", "GET")

GUARDS = {
    "login": Guard("public", "dialog"),
    "logout": Guard("user", "POST"),
    "set_language": Guard("public", "POST"),
    "favicon": Guard("public", "GET"),
    "opportunities:list": READ,
    "opportunities:totals": READ,
    "opportunities:detail": READ,
    "opportunities:quote_detail": READ,
    "opportunities:order_detail": READ,
    "opportunities:create": Guard("creator", "dialog"),
    "opportunities:update": Guard("owner", "dialog"),
    "opportunities:close": Guard("owner", "dialog"),
    "opportunities:edit": Guard("owner", "dialog"),
    "opportunities:make_order": Guard("owner", "dialog"),
    "opportunities:quote_delete": Guard("owner", "dialog"),
    "opportunities:order_delete": Guard("owner", "dialog"),
    "opportunities:activate": Guard("owner", "POST"),
    "opportunities:create_quote": Guard("owner", "POST"),
    "opportunities:quote_line_add": Guard("owner", "POST"),
    "opportunities:quote_line_update": Guard("owner", "POST"),
    "opportunities:quote_line_delete": Guard("owner", "POST"),
    "opportunities:delete": Guard("manager", "dialog"),
    "opportunities:close_code_add": Guard("manager", "POST"),
    "opportunities:batch_delete": Guard("manager", "dialog"),
    "contacts:contact_list": READ,
    "contacts:search": READ,
    "contacts:salesperson_search": READ,
    "contacts:contact_detail": READ,
    "contacts:salesperson_list": READ,
    "contacts:salesperson_detail": READ,
    "contacts:create_customer": Guard("customer", "POST"),
    "exports:opportunities": READ,
    "exports:entries": READ,
    "exports:contacts": READ,
    "exports:salespeople": READ,
    "salescycles:list": READ,
    "salescycles:detail": READ,
    "pipeline:dashboard": READ,
    "pipeline:board_index": READ,
    "pipeline:board": READ,
    "pipeline:column": READ,
    # Readers may post a move; the move itself checks that they act on that opportunity (403).
    "pipeline:move": Guard("reader", "POST"),
    "jobs:list": Guard("manager", "GET"),
    "jobs:detail": Guard("manager", "GET"),
    "jobs:cancel": Guard("manager", "POST"),
    "api_tokens:list": Guard("user", "dialog"),
    "api_tokens:revoke": Guard("user", "POST"),
}

# The REST API answers an anonymous caller 401 (JSON), not with the login page: its URLs have
# their own walk, every one for every role, in tests/api/test_permissions.py.
API_ROUTES = "api/v1/"

# The admin guards all of its URLs itself (AdminSite.admin_view: staff only, then the model
# permissions); these are the ones it has, and the only one open to anonymous users.
ADMIN_SITE_NAMES = {
    "admin:index",
    "admin:login",
    "admin:logout",
    "admin:password_change",
    "admin:password_change_done",
    "admin:autocomplete",
    "admin:jsi18n",
    "admin:view_on_site",
    "admin:app_list",
    "admin:auth_user_password_change",  # UserAdmin's own extra view
}
ADMIN_MODEL_VIEWS = {"changelist", "add", "change", "delete", "history"}
ADMIN_PUBLIC = {"admin:login"}


def walk(patterns, namespace=None, prefix=""):
    """(name, route) of every URL pattern, through every include."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace
            if namespace and inner:
                inner = f"{namespace}:{inner}"
            yield from walk(pattern.url_patterns, inner or namespace, prefix + str(pattern.pattern))
        else:
            assert isinstance(pattern, URLPattern)
            name = pattern.name and (f"{namespace}:{pattern.name}" if namespace else pattern.name)
            yield name, prefix + str(pattern.pattern)


ALL_URLS = list(walk(get_resolver().url_patterns))


def admin_model_names() -> set[str]:
    return {
        f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}"
        for model in admin.site._registry
        for view in ADMIN_MODEL_VIEWS
    }


def test_every_url_pattern_has_a_known_guard():
    known_admin = ADMIN_SITE_NAMES | admin_model_names()
    unknown = []
    for name, route in ALL_URLS:
        # Unnamed admin routes: the object redirect and the catch-all, both admin_view.
        if route.startswith("admin/") and (name is None or name in known_admin):
            continue
        if route.startswith(API_ROUTES):
            continue
        if name not in GUARDS:
            unknown.append((name, route))
    assert not unknown, f"URLs without a declared guard: {unknown}"
    assert len(ALL_URLS) > 100  # the walk went through the includes, the admin's too


def site_urls():
    return [
        (name, route) for name, route in ALL_URLS if not route.startswith(("admin/", API_ROUTES))
    ]


def sample_url(name: str, world) -> str:
    """The URL of `name` on an object of salesperson AH (someone else's for JO)."""
    number_of = {
        "opportunities:detail": world.quoted.number,
        "opportunities:update": world.open.number,
        "opportunities:close": world.open.number,
        "opportunities:edit": world.open.number,
        "opportunities:close_code_add": world.open.number,
        "opportunities:activate": world.not_started.number,
        "opportunities:create_quote": world.open.number,
        "opportunities:delete": world.closed.number,
        "opportunities:quote_detail": world.quote.number,
        "opportunities:quote_line_add": world.quote.number,
        "opportunities:make_order": world.quote.number,
        "opportunities:quote_delete": world.quote.number,
        "opportunities:order_detail": world.order.number,
        "opportunities:order_delete": world.order.number,
        "contacts:contact_detail": world.fx.CT100.number,
        "contacts:create_customer": world.fx.CT200.number,
    }
    if name in ("opportunities:quote_line_update", "opportunities:quote_line_delete"):
        return reverse(name, kwargs={"number": world.quote.number, "line": world.line.pk})
    if name in number_of:
        return reverse(name, kwargs={"number": number_of[name]})
    if name == "contacts:salesperson_detail":
        return reverse(name, kwargs={"code": world.fx.AH.code})
    if name in ("salescycles:detail", "pipeline:board", "pipeline:move"):
        return reverse(name, kwargs={"code": world.fx.STD.code})
    if name == "pipeline:column":
        return reverse(name, kwargs={"code": world.fx.STD.code, "stage": 0})
    if name in ("jobs:detail", "jobs:cancel"):
        # A finished job: cancelling it is refused, never a deletion.
        job = Job.objects.create(kind=Job.Kind.choices[0][0], state=Job.State.DONE)
        return reverse(name, kwargs={"pk": job.pk})
    if name == "api_tokens:revoke":
        return reverse(name, kwargs={"pk": 1})
    return reverse(name)


def denied(who: str) -> list[str]:
    """Which of our users may not use a URL of this kind (on AH's objects)."""
    return {
        "public": [],
        "user": [],
        "reader": ["nobody"],
        "creator": ["nobody"],
        "customer": ["nobody"],
        "owner": ["nobody", "seller"],
        "manager": ["nobody", "seller"],
    }[who]


SITE = [name for name, _ in site_urls()]


@pytest.mark.parametrize("name", SITE)
def test_a_site_url_is_guarded(name, world, manager, seller, nobody):
    guard = GUARDS[name]
    url = sample_url(name, world)
    users = {"manager": manager, "seller": seller, "nobody": nobody}
    before = database_state()

    # Anonymous users are sent to the login page, whatever the method.
    anonymous = Client()
    for method in ("get", "post"):
        response = getattr(anonymous, method)(url)
        if guard.who == "public":
            assert response.status_code != 403, (name, method)
        else:
            assert response.status_code == 302, (name, method, response.status_code)
            assert response["Location"].startswith(reverse("login") + "?next="), name
    assert database_state() == before

    # Users without the permission get 403 (or 404), and nothing is written.
    for who in denied(guard.who):
        client = logged_in(users[who])
        response = client.post(url, {"version": "1", "ok": "1"})
        assert response.status_code in (403, 404, 405), (name, who, response.status_code)
        if guard.methods != "GET":
            assert response.status_code in (403, 404), (name, who, response.status_code)
        response = client.get(url)
        # An action's GET is refused either way (405 before or after the permission check).
        expected = (403, 404, 405) if guard.methods == "POST" else (403, 404)
        assert response.status_code in expected, (name, who, response.status_code)
        assert database_state() == before, (name, who)

    # Writes: GET is refused or only shows the dialog; PUT is refused; a POST needs the token.
    allowed = logged_in(manager)
    if guard.who == "public":
        # The login and the language switch: a GET only shows or redirects; a POST needs the
        # CSRF token like every other.
        response = Client(enforce_csrf_checks=True).post(url, {"language": "fr"})
        assert response.status_code == 403, name
        return
    if guard.methods == "GET":
        assert allowed.get(url).status_code == 200, name
        assert allowed.post(url).status_code == 405, name
    elif guard.methods == "POST":
        assert allowed.get(url).status_code == 405, name
    else:
        assert allowed.get(url).status_code in (200, 302), name
    assert database_state() == before, f"a GET of {name} wrote"
    if guard.methods != "GET":
        assert allowed.put(url).status_code == 405, name
        strict = logged_in(manager, enforce_csrf_checks=True)
        response = strict.post(url, {"version": "1", "ok": "1"})
        assert response.status_code == 403, (name, response.status_code)
        assert database_state() == before, f"a POST of {name} without CSRF token wrote"


def admin_sample_urls() -> list[str]:
    urls = []
    for name, route in ALL_URLS:
        if not route.startswith("admin/"):
            continue
        kwargs = {}
        for group in re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", route):
            key = group[0] or group[1]
            kwargs[key] = {
                "object_id": "1",
                "id": "1",
                "content_type_id": 1,
                "app_label": "opportunities",
                "url": "no-such-page/",
            }[key]
        if name is None:
            path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", "1", route)
            path = path.replace("(?P<url>.*)$", "no-such-page/")
            urls.append(path)
        else:
            urls.append(reverse(name, kwargs=kwargs or None))
    return urls


def test_every_admin_url_sends_anonymous_and_non_staff_users_to_a_login(
    world, nobody, seller, manager
):
    admin_urls = admin_sample_urls()
    assert len(admin_urls) > 80
    login = reverse("admin:login")
    before = database_state()
    for user in (None, nobody, seller):  # the salesperson role is not staff
        client = logged_in(user) if user else Client()
        for url in admin_urls:
            if url in (login, reverse("admin:logout")):
                continue  # open to anyone (the logout only ends a session)
            for method in ("get", "post"):
                response = getattr(client, method)(url)
                assert response.status_code == 302, (url, method, response.status_code)
                # The site's login (LoginRequiredMiddleware) or the admin's (admin_view).
                assert response["Location"].startswith((login, reverse("login"))), url
    assert database_state() == before
    strict = logged_in(manager, enforce_csrf_checks=True)
    for url in admin_urls:
        assert strict.post(url).status_code == 403, url
    assert database_state() == before


def test_the_admin_refuses_a_staff_salesperson_on_someone_elses_opportunity(world, seller):
    seller.is_staff = True
    seller.save(update_fields=["is_staff"])
    client = logged_in(seller)
    other = reverse("admin:opportunities_opportunity_change", args=[world.open.pk])
    own = reverse("admin:opportunities_opportunity_change", args=[world.own.pk])
    before = database_state()
    response = client.post(other, {"description": "Taken over", "priority": "high"})
    assert response.status_code in (200, 403)
    assert "Taken over" not in str(database_state())
    page = client.get(other)
    assert page.status_code == 200  # the salesperson sees everything, read-only
    assert b'name="description"' not in page.content
    assert b'name="description"' in client.get(own).content
    assert database_state() == before
    # Setup data is the managers'.
    assert client.get(reverse("admin:salescycles_salescycle_add")).status_code == 403
    cycle = reverse("admin:salescycles_salescycle_change", args=[world.fx.STD.pk])
    response = client.post(cycle, {"code": "STD", "description": "Hijacked"})
    assert response.status_code == 403
