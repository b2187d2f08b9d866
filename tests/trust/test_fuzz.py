"""Bad input: Hypothesis fills every form and every filter query string with hostile values.

Whatever comes in, the answer is never a 500 (the test client re-raises a view's exception), the
raw markup of the input is never echoed unescaped, extra fields change nothing, and `next=`
only leads to this site.
"""

import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from opportunities.models import Opportunity
from tests.trust.conftest import logged_in

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
MARKERS = ("<script>alert(1)", "<img src=x onerror")
MOST = "9999999999999999.99"  # what the money fields' 18 digits allow

NASTY = [
    "",
    " ",
    SCRIPT,
    IMG,
    "\x00",
    "a\x00b",
    "💥🚀",
    "Ω" * 300,
    "x" * 5000,
    "' OR 1=1 --",
    "1; DROP TABLE opportunities_opportunity; --",
    "%",
    "_",
    "\\",
    "-1",
    "0",
    "-99999999999999999999",
    "99999999999999999999999999999999",
    "1e308",
    "NaN",
    "Infinity",
    "1.123456789",
    "2024-02-30",
    "0000-00-00",
    "9999-99-99",
    "2024-13-01",
    "31/12/2024",
    "99999-01-01",
    "CT100",
    "OP000001",
    "JO",
    "STD",
    "W-PRICE",
    "999999999",
    "https://evil.example/",
    "//evil.example",
]

values = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=60),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.dates(min_value=datetime.date(1, 1, 1)).map(str),
    st.decimals(allow_nan=True, allow_infinity=True, places=4).map(str),
)

FUZZ = settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def fields(*names):
    return st.fixed_dictionaries({}, optional=dict.fromkeys(names, values))


def check(response):
    assert response.status_code < 500
    content = response.content.decode(errors="replace")
    for marker in MARKERS:
        assert marker not in content, f"unescaped input in {response.request['PATH_INFO']}"
    return response


def send(client, method, url, data, **extra):
    return check(getattr(client, method)(url, data, **extra))


HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "dialog-content"}


@pytest.fixture
def client(world, manager):
    return logged_in(manager)


@FUZZ
@given(
    data=fields(
        "description",
        "contact",
        "salesperson",
        "sales_cycle",
        "priority",
        "activate_first_stage",
        "estimated_value",
        "chances_of_success",
        "estimated_close_date",
        "next",
    ),
    query=fields("contact", "salesperson", "next"),
    htmx=st.booleans(),
)
def test_the_new_opportunity_form_survives_anything(client, data, query, htmx):
    url = reverse("opportunities:create")
    extra = HTMX if htmx else {}
    send(client, "get", url, query, **extra)
    send(client, "post", url + "?" + "&".join(f"{k}=x" for k in query), data, **extra)


@FUZZ
@given(
    data=fields(
        "version",
        "action",
        "to_stage",
        "date_of_change",
        "estimated_value",
        "chances_of_success",
        "estimated_close_date",
        "next",
    ),
    get=st.booleans(),
)
# Dates whose formula default leaves the calendar, and writes that would leave the opportunity
# with a date or an amount its dialogs cannot show. "current" stands for the current version.
@example(data={"action": "next", "date_of_change": "9999-12-31"}, get=True)
@example(data={"action": "next", "date_of_change": "0001-01-01"}, get=True)
@example(
    data={
        "version": "current",
        "action": "update",
        "date_of_change": "9999-12-25",
        "estimated_close_date": "9999-12-31",
    },
    get=False,
)
@example(
    data={"version": "current", "action": "update", "estimated_value": MOST},
    get=False,
)
def test_the_update_dialog_survives_anything(client, world, data, get):
    url = reverse("opportunities:update", args=[world.open.number])
    if data.get("version") == "current":
        data = {**data, "version": Opportunity.objects.get(pk=world.open.pk).version}
    send(client, "get" if get else "post", url, data)
    if not get:  # whatever was written, the dialog and the list still open
        send(client, "get", url, {})
        send(client, "get", reverse("opportunities:list"), {})


@FUZZ
@given(
    data=fields(
        "version",
        "outcome",
        "close_code",
        "date_closed",
        "sales_value",
        "add_code",
        "new-code",
        "new-description",
        "new-type",
        "next",
    ),
    get=st.booleans(),
)
def test_the_close_dialog_survives_anything(client, world, data, get):
    url = reverse("opportunities:close", args=[world.open.number])
    send(client, "get" if get else "post", url, data)


@FUZZ
@given(
    order=fields("version", "close_code", "date_closed", "next"),
    line=fields("version", "new-description", "new-quantity", "new-unit_price"),
    changed=fields("version", "description", "quantity", "unit_price"),
    simple=fields("version", "next", "ok"),
)
# A line at the fields' maxima: an amount no money column holds.
@example(
    order={},
    line={"new-description": "All", "new-quantity": "9999999999.99", "new-unit_price": MOST},
    changed={},
    simple={},
)
@example(
    order={},
    line={},
    changed={"description": "All", "quantity": "9999999999.99", "unit_price": MOST},
    simple={},
)
def test_the_quote_and_order_forms_survive_anything(client, world, order, line, changed, simple):
    quote = world.quote.number
    send(client, "post", reverse("opportunities:make_order", args=[quote]), order)
    send(client, "post", reverse("opportunities:quote_line_add", args=[quote]), line)
    prefixed = {f"line-{world.line.pk}-{key}": value for key, value in changed.items()}
    prefixed["version"] = changed.get("version", "")
    url = reverse("opportunities:quote_line_update", args=[quote, world.line.pk])
    send(client, "post", url, prefixed, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="quote-lines")
    for name in ("activate", "create_quote"):
        number = world.not_started.number if name == "activate" else world.own.number
        send(client, "post", reverse(f"opportunities:{name}", args=[number]), simple)
    order_number = world.order.number
    send(client, "get", reverse("opportunities:order_delete", args=[order_number]), simple)


@FUZZ
@given(
    data=fields(
        "number_from",
        "number_to",
        "date_closed_from",
        "date_closed_to",
        "salesperson",
        "contact",
        "sales_cycle",
        "all_closed",
        "confirmation",
    ),
    genuine=st.booleans(),
    htmx=st.booleans(),
)
def test_the_batch_deletion_form_survives_anything(client, data, genuine, htmx):
    url = reverse("opportunities:batch_delete")
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    send(client, "get", url, {"preview": "1", **data})
    if genuine:  # a real confirmation, with hostile filters posted over what it previewed
        preview = send(client, "get", url, {"preview": "1", "salesperson": "BLK"})
        data = {**data, "confirmation": preview.context["confirmation"]}
    send(client, "post", url, data, **extra)


@FUZZ
@given(
    query=fields(
        "q",
        "status",
        "salesperson",
        "contact",
        "sales_cycle",
        "current_stage",
        "priority",
        "closing_from",
        "closing_to",
        "sort",
        "page",
        "after",
        "before",
    ),
    results=st.booleans(),
)
# Keyset cursors typed by hand: amounts that are not finite or too large, ids that overflow.
@example(query={"sort": "estimated_value", "after": "NaN~1"}, results=False)
@example(query={"sort": "-estimated_value", "before": "Infinity~1"}, results=False)
@example(query={"sort": "current_value", "after": "-Infinity~1"}, results=True)
@example(query={"sort": "-current_value", "before": "sNaN~1"}, results=False)
@example(query={"sort": "estimated_value", "after": "1E+999999999~1"}, results=False)
@example(query={"sort": "stage", "after": "1~99999999999999999999"}, results=False)
def test_every_filter_query_string_survives_anything(client, query, results):
    extra = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "results"} if results else {}
    send(client, "get", reverse("opportunities:list"), query, **extra)
    send(client, "get", reverse("contacts:contact_list"), query, **extra)
    send(client, "get", reverse("contacts:salesperson_list"), query, **extra)
    send(client, "get", reverse("salescycles:list"), query)


@FUZZ
@given(segment=values.filter(lambda text: "/" not in text and "\x00" not in text))
def test_any_number_or_code_in_a_path_is_a_page_or_a_404(client, segment):
    for name in (
        "opportunities:detail",
        "opportunities:quote_detail",
        "opportunities:order_detail",
        "contacts:contact_detail",
        "contacts:salesperson_detail",
        "salescycles:detail",
    ):
        try:
            url = reverse(name, args=[segment])
        except Exception:  # an empty segment has no URL
            continue
        send(client, "get", url, {})


@FUZZ
@given(data=fields("username", "password", "next", "language"))
def test_the_login_and_language_forms_survive_anything(fx, data):
    anonymous = Client()
    send(anonymous, "post", reverse("login"), data)
    send(anonymous, "get", reverse("login"), {"next": data.get("next", "")})
    send(anonymous, "post", reverse("set_language"), data)


# --- extra fields and redirects -----------------------------------------------------------------

EXTRA = {
    "status": "won",
    "stage": "5",
    "current_stage": "5",
    "number": "OP999999",
    "salesperson": "AH",
    "closed": "on",
    "calcd_current_value": "1000000",
    "estimated_value_hidden": "1",
    "creation_date": "2000-01-01",
}


def test_extra_fields_on_an_update_change_nothing_but_the_update(client, world, fx):
    before = Opportunity.objects.get(pk=world.open.pk)
    response = client.post(
        reverse("opportunities:update", args=[before.number]),
        {
            **EXTRA,
            "version": before.version,
            "action": "update",
            "estimated_value": "12000",
            "chances_of_success": "30",
        },
    )
    assert response.status_code == 302
    after = Opportunity.objects.get(pk=before.pk)
    assert after.estimated_value == Decimal(12000)
    for name in ("number", "status", "salesperson_id", "current_stage_id", "creation_date"):
        assert getattr(after, name) == getattr(before, name), name


def test_extra_fields_on_create_and_close_change_nothing(client, world, fx):
    response = client.post(
        reverse("opportunities:create"),
        {
            **EXTRA,
            "salesperson": "JO",
            "description": "Extra",
            "contact": "CT100",
            "sales_cycle": "STD",
            "priority": "normal",
        },
    )
    assert response.status_code == 302
    created = Opportunity.objects.get(description="Extra")
    assert created.number != "OP999999"
    assert created.status == Opportunity.Status.NOT_STARTED
    assert created.current_stage is None
    assert created.creation_date != datetime.date(2000, 1, 1)
    before = Opportunity.objects.get(pk=world.open.pk)
    client.post(
        reverse("opportunities:close", args=[before.number]),
        {
            **EXTRA,
            "version": before.version,
            "outcome": "lost",
            "close_code": "L-COMP",
            "date_closed": "2024-01-25",
        },
    )
    after = Opportunity.objects.get(pk=before.pk)
    assert after.status == Opportunity.Status.LOST
    assert after.number == before.number
    assert after.salesperson_id == before.salesperson_id


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "\\\\evil.example",
        "javascript:alert(1)",
        "https:evil.example",
        " //evil.example",
        "http://testserver.evil.example/",
    ],
)
def test_next_only_redirects_to_this_site(client, world, target):
    number = world.not_started.number
    response = client.post(
        reverse("opportunities:activate", args=[number]),
        {"version": world.not_started.version, "next": target},
    )
    assert response.status_code == 302
    assert response["Location"] == world.not_started.get_absolute_url()
    response = client.post(
        reverse("contacts:create_customer", args=[world.fx.CT200.number]), {"next": target}
    )
    assert response["Location"] == world.fx.CT200.get_absolute_url()
    anonymous = Client()
    response = anonymous.post(
        reverse("login") + f"?next={target}", {"username": "manager", "password": "x"}
    )
    assert target not in response.content.decode() or response.status_code == 200
    assert "evil.example" not in response.get("Location", "")


def test_next_within_the_site_is_followed(client, world):
    number = world.not_started.number
    response = client.post(
        reverse("opportunities:activate", args=[number]),
        {"version": world.not_started.version, "next": "/contacts/?q=x"},
    )
    assert response["Location"] == "/contacts/?q=x"
