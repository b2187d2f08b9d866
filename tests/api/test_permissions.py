"""Every endpoint for every role, checked against the pages: the API allows exactly what the
page of the same action allows (`opportunities.permissions` decides both), for a user without a
role, a salesperson on their own and on someone else's opportunity, and a sales manager; an
anonymous caller gets 401 everywhere."""

import json

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLResolver, get_resolver, resolve, reverse

from jobs.models import Job
from tests.api.conftest import token_client
from tests.snapshots import database_state

pytestmark = pytest.mark.django_db

API = "/api/v1"


def page_and_api(world) -> dict[str, tuple[tuple, tuple]]:
    """action -> ((page method, url, data), (API method, url, body))."""
    own, other = world.own.number, world.open.number
    quote, order = world.quote.number, world.order.number
    job = Job.objects.filter(state=Job.State.DONE).order_by("pk").first().pk

    def page(name, *args):
        return reverse(f"opportunities:{name}", args=args)

    return {
        "read the list": (("get", page("list"), {}), ("get", f"{API}/opportunities/", {})),
        "read someone else's card": (
            ("get", page("detail", other), {}),
            ("get", f"{API}/opportunities/{other}/", {}),
        ),
        "create": (
            ("post", page("create"), {"description": ""}),
            ("post", f"{API}/opportunities/", {"description": ""}),
        ),
        "update someone else's": (
            ("post", page("update", other), {"version": "1"}),
            ("post", f"{API}/opportunities/{other}/update/", {"action": "next"}),
        ),
        "update own": (
            ("post", page("update", own), {"version": "1"}),
            ("post", f"{API}/opportunities/{own}/update/", {"action": "next"}),
        ),
        "edit someone else's": (
            ("post", page("update", other), {"version": "1"}),
            ("patch", f"{API}/opportunities/{other}/", {"description": "Edited"}),
        ),
        "edit own": (
            ("post", page("update", own), {"version": "1"}),
            ("patch", f"{API}/opportunities/{own}/", {"description": "Edited"}),
        ),
        "close someone else's": (
            ("post", page("close", other), {"version": "1"}),
            ("post", f"{API}/opportunities/{other}/close/", {"outcome": "lost"}),
        ),
        "close own": (
            ("post", page("close", own), {"version": "1"}),
            ("post", f"{API}/opportunities/{own}/close/", {"outcome": "lost"}),
        ),
        "activate someone else's": (
            ("post", page("activate", world.not_started.number), {"version": "1"}),
            ("post", f"{API}/opportunities/{world.not_started.number}/activate/", {}),
        ),
        "quote someone else's": (
            ("post", page("create_quote", other), {"version": "1"}),
            ("post", f"{API}/opportunities/{other}/quote/", {}),
        ),
        "quote own": (
            ("post", page("create_quote", own), {"version": "1"}),
            ("post", f"{API}/opportunities/{own}/quote/", {}),
        ),
        "delete a closed one": (
            ("post", page("delete", world.closed.number), {"version": "1"}),
            ("delete", f"{API}/opportunities/{world.closed.number}/", {}),
        ),
        "read a quote": (
            ("get", page("quote_detail", quote), {}),
            ("get", f"{API}/quotes/{quote}/", {}),
        ),
        "make an order from someone else's quote": (
            ("post", page("make_order", quote), {"version": "1"}),
            ("post", f"{API}/quotes/{quote}/order/", {}),
        ),
        "read an order": (
            ("get", page("order_detail", order), {}),
            ("get", f"{API}/orders/{order}/", {}),
        ),
        "start a batch deletion": (
            ("post", reverse("opportunities:batch_delete"), {"all_closed": "on"}),
            ("post", f"{API}/jobs/delete-opportunities/", {"all_closed": True, "dry_run": True}),
        ),
        "read a job": (
            ("get", reverse("jobs:detail", args=[job]), {}),
            ("get", f"{API}/jobs/{job}/", {}),
        ),
    }


@pytest.fixture(autouse=True)
def _a_job(db):
    """A finished dry run of the command line's: a job to read, nothing to run."""
    Job.objects.create(
        kind=Job.Kind.DELETE_OPPORTUNITIES,
        state=Job.State.DONE,
        parameters={"filters": {}, "all_closed": True, "dry_run": True},
        result={"count": 0},
    )


ACTIONS = [
    "read the list",
    "read someone else's card",
    "create",
    "update someone else's",
    "update own",
    "edit someone else's",
    "edit own",
    "close someone else's",
    "close own",
    "activate someone else's",
    "quote someone else's",
    "quote own",
    "delete a closed one",
    "read a quote",
    "make an order from someone else's quote",
    "read an order",
    "start a batch deletion",
    "read a job",
]


def page_allows(user, method: str, url: str, data: dict) -> bool:
    """Whether the page lets `user` do it (anything but 403), its writes rolled back."""
    client = Client()
    client.force_login(user)
    with transaction.atomic():
        status = getattr(client, method)(url, data).status_code
        transaction.set_rollback(True)
    return status != 403


@pytest.mark.parametrize("role", ["nobody", "seller", "manager"])
@pytest.mark.parametrize("action", ACTIONS)
def test_the_api_allows_exactly_what_the_page_allows(request, world, role, action):
    user = request.getfixturevalue(role)
    (page_method, page_url, page_data), (method, url, body) = page_and_api(world)[action]
    allowed = page_allows(user, page_method, page_url, page_data)
    client = token_client(user)
    before = database_state(setup=True)
    response = getattr(client, method)(url, body)
    if allowed:
        assert response.status_code != 403, (role, action, response.content)
    else:
        assert response.status_code == 403, (role, action, response.content)
        assert response.json()["code"] == "permission_denied"
        assert database_state(setup=True) == before


EXPECTED = {
    # The roles of opportunities.roles, as the pages apply them.
    "nobody": set(),
    "seller": {
        "read the list",
        "read someone else's card",
        "create",
        "update own",
        "edit own",
        "close own",
        "quote own",
        "read a quote",
        "read an order",
    },
    "manager": set(ACTIONS),
}


@pytest.mark.parametrize("role", ["nobody", "seller", "manager"])
def test_each_role_may_do_what_its_role_allows(request, world, role):
    client = token_client(request.getfixturevalue(role))
    allowed = set()
    for action, (_page, (method, url, body)) in page_and_api(world.refresh()).items():
        with transaction.atomic():
            if getattr(client, method)(url, body).status_code != 403:
                allowed.add(action)
            transaction.set_rollback(True)
    assert allowed == EXPECTED[role]


def every_endpoint(world) -> list[tuple[str, str]]:
    found = [(method, url) for _page, (method, url, _body) in page_and_api(world).values()]
    for resource, key in [
        ("contacts", "CT100"),
        ("salespeople", "JO"),
        ("sales-cycles", "STD"),
        ("close-codes", "W-PRICE"),
        ("sales-cycles/STD/stages", "1"),
    ]:
        found += [
            ("get", f"{API}/{resource}/"),
            ("post", f"{API}/{resource}/"),
            ("get", f"{API}/{resource}/{key}/"),
            ("patch", f"{API}/{resource}/{key}/"),
            ("delete", f"{API}/{resource}/{key}/"),
        ]
    return [*found, ("get", f"{API}/schema/")]


def test_an_anonymous_caller_gets_401_everywhere_and_changes_nothing(world, anonymous_api):
    before = database_state(setup=True)
    for method, url in every_endpoint(world):
        response = getattr(anonymous_api, method)(url, {})
        assert response.status_code == 401, (method, url)
        assert response["WWW-Authenticate"] == "Token"
        assert json.loads(response.content)["code"] == "not_authenticated"
    assert database_state(setup=True) == before


def test_a_user_without_a_role_gets_403_everywhere_and_changes_nothing(world, nobody):
    client = token_client(nobody)
    before = database_state(setup=True)
    for method, url in every_endpoint(world)[:-1]:  # the schema is for every logged-in user
        assert getattr(client, method)(url, {}).status_code == 403, (method, url)
    assert database_state(setup=True) == before


def test_setup_data_is_read_by_every_role_and_written_by_managers_only(world, seller, manager):
    seller_client, manager_client = token_client(seller), token_client(manager)
    for resource in ("contacts", "salespeople", "sales-cycles", "close-codes"):
        assert seller_client.get(f"{API}/{resource}/").status_code == 200
    before = database_state(setup=True)
    refused = [
        seller_client.post(f"{API}/close-codes/", {"code": "W-NEW", "description": "New"}),
        seller_client.patch(f"{API}/salespeople/JO/", {"name": "Jo"}),
        seller_client.delete(f"{API}/close-codes/W-REL/"),
        seller_client.post(f"{API}/sales-cycles/STD/stages/", {"stage": 9, "description": "X"}),
    ]
    assert [response.status_code for response in refused] == [403] * 4
    assert database_state(setup=True) == before
    created = manager_client.post(
        f"{API}/close-codes/", {"code": "W-NEW", "description": "New", "type": "won"}
    )
    assert created.status_code == 201, created.content


def api_url_names(patterns=None) -> set[str]:
    """The names of every URL under /api/v1/."""
    if patterns is None:
        [api] = [p for p in get_resolver().url_patterns if getattr(p, "namespace", None) == "api"]
        patterns = api.url_patterns
    names = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            names |= api_url_names(pattern.url_patterns)
        else:
            names.add(f"api:{pattern.name}")
    return names


def test_every_api_url_is_in_the_walk_of_the_roles(world):
    walked = {resolve(url).view_name for _method, url in every_endpoint(world)}
    # The documentation page is a page: it sends an anonymous visitor to the login
    # (tests/api/test_schema.py).
    assert api_url_names() - walked == {"api:docs"}
