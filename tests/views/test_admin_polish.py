"""The administration as a finished product: it names the product in both languages, serves
the favicon, says why a deletion is refused, keeps Django's own words where ours would be wrong,
and logs a refused permission in one line."""

import logging
import sys
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation

from config.log_filters import OneLineForbidden
from opportunities import services
from salescycles.models import SalesCycle
from tests.snapshots import database_state

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(manager) -> Client:
    manager.is_staff = manager.is_superuser = True
    manager.save(update_fields=["is_staff", "is_superuser"])
    client = Client()
    client.force_login(manager)
    return client


def in_french(client: Client) -> Client:
    client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    return client


# --- the header names the product --------------------------------------------------------------


def test_the_admin_names_the_product(fx, admin_client):
    content = admin_client.get(reverse("admin:index")).content.decode()
    assert "<title>Setup data and users | Opportunity CRM</title>" in content
    assert "Opportunity CRM administration</a>" in content  # the header
    assert "Django administration" not in content


def test_the_admin_names_the_product_in_french(fx, admin_client):
    content = in_french(admin_client).get(reverse("admin:index")).content.decode()
    assert "Administration de CRM Opportunités" in content
    assert "Administration de Django" not in content


# --- the favicon ---------------------------------------------------------------------------------


def test_the_admin_pages_link_the_favicon(fx, admin_client):
    content = admin_client.get(reverse("admin:index")).content.decode()
    assert '<link rel="icon" href="/static/img/favicon.svg" type="image/svg+xml">' in content


def test_the_app_pages_link_the_favicon(fx, client):
    assert '<link rel="icon" href="/static/img/favicon.svg"' in client.get("/").content.decode()


def test_favicon_ico_answers_without_a_login(db, anonymous):
    response = anonymous.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == "/static/img/favicon.svg"


# --- the stage inline fits a laptop screen -------------------------------------------------------


def test_the_stage_inline_has_its_narrow_layout(fx, admin_client):
    content = admin_client.get(
        reverse("admin:salescycles_salescycle_change", args=[fx.STD.pk])
    ).content.decode()
    assert 'href="/static/css/admin.css"' in content
    assert 'class="stage-inline' in content or "stage-inline" in content
    assert 'name="stages-0-date_formula"' in content
    assert 'size="8"' in content  # the date formula: CM+1D fits in 8 characters


# --- deleting protected setup data says the rule, not missing permissions -------------------------


@pytest.fixture
def quoted(fx, opp_a):
    quote = services.create_quote(opp_a)
    services.add_quote_line(quote, description="Desks", quantity=Decimal(2), unit_price=500)
    return quote


def test_deleting_a_salesperson_with_quotes_says_why_it_is_refused(fx, admin_client, quoted):
    before = database_state(setup=True)
    url = reverse("admin:contacts_salesperson_delete", args=[fx.JO.pk])
    response = admin_client.get(url)
    content = response.content.decode()
    assert not response.context["perms_lacking"]
    assert "Salesperson JO has opportunities and cannot be deleted." in content
    assert "permission to delete" not in content
    admin_client.post(url, {"post": "yes"})
    assert database_state(setup=True) == before


def test_deleting_a_contact_with_quotes_says_why_it_is_refused(fx, admin_client, quoted):
    response = admin_client.get(reverse("admin:contacts_contact_delete", args=[fx.CT100.pk]))
    content = response.content.decode()
    assert not response.context["perms_lacking"]
    assert "Contact CT100 has opportunities and cannot be deleted." in content
    assert "permission to delete" not in content


def test_the_bulk_deletion_of_salespeople_says_why_it_is_refused(fx, admin_client, quoted):
    before = database_state(setup=True)
    response = admin_client.post(
        reverse("admin:contacts_salesperson_changelist"),
        {"action": "delete_selected", "_selected_action": [fx.JO.pk, fx.BLK.pk]},
    )
    content = response.content.decode()
    assert "Salesperson JO has opportunities and cannot be deleted." in content
    assert "permission to delete" not in content
    assert database_state(setup=True) == before


def test_a_salesperson_without_anything_is_deleted_from_the_admin(fx, admin_client):
    url = reverse("admin:contacts_salesperson_delete", args=[fx.BLK.pk])
    assert not admin_client.get(url).context["protected"]
    admin_client.post(url, {"post": "yes"})
    assert not type(fx.BLK).objects.filter(pk=fx.BLK.pk).exists()


# --- "Add" in the French admin is Django's "Ajouter" -------------------------------------------


def test_the_french_admin_says_ajouter_on_its_add_links(fx, admin_client):
    content = in_french(admin_client).get(reverse("admin:index")).content.decode()
    assert "Ajouter" in content
    assert "Additionner" not in content


def test_the_probability_method_add_is_still_additionner_in_french(fx):
    cycle = SalesCycle(probability_calculation="add")
    with translation.override("fr"):
        assert cycle.get_probability_calculation_display() == "Additionner"
    with translation.override("en"):
        assert cycle.get_probability_calculation_display() == "Add"


# --- a refused permission is logged in one line ----------------------------------------------


def test_a_refused_permission_is_logged_in_one_line(fx, seller_client, caplog):
    theirs = fx.create_opp_a(salesperson=fx.AH)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = seller_client.get(reverse("opportunities:edit", args=[theirs.number]))
    assert response.status_code == 403
    records = [record for record in caplog.records if record.name == "django.request"]
    assert len(records) == 1
    record = records[0]
    assert record.levelno == logging.WARNING
    assert record.exc_info is None and record.exc_text is None
    text = logging.Formatter().format(record)
    assert "\n" not in text
    assert text == f"Forbidden (Permission denied): /opportunities/{theirs.number}/edit/ (user jo)"


def forbidden_record(user, exc_info=None) -> logging.LogRecord:
    """The record Django's request logger writes when `user` is refused /x/ (403)."""
    request = RequestFactory().get("/x/")
    request.user = user
    record = logging.LogRecord(
        "django.request",
        logging.WARNING,
        __file__,
        1,
        "Forbidden (Permission denied): %s",
        ("/x/",),
        exc_info,
    )
    record.status_code = 403
    record.request = request
    return record


def test_a_refusal_names_its_user_once_when_the_filter_runs_twice(fx, seller):
    """Logging configured a second time in one process (`django.setup()` again) puts a second
    filter on the logger: the record still names its user once."""
    record = forbidden_record(seller)
    assert OneLineForbidden().filter(record) and OneLineForbidden().filter(record)
    assert record.getMessage() == "Forbidden (Permission denied): /x/ (user jo)"


def test_other_errors_keep_their_traceback(db):
    request = RequestFactory().get("/x/")
    request.user = AnonymousUser()
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord(
            "django.request",
            logging.ERROR,
            __file__,
            1,
            "Internal Server Error: %s",
            ("/x/",),
            sys.exc_info(),
        )
    record.status_code = 500
    record.request = request
    assert OneLineForbidden().filter(record)
    assert record.exc_info is not None


def test_a_forbidden_record_of_an_anonymous_user_names_no_user(db):
    try:
        raise PermissionDenied
    except PermissionDenied:
        record = forbidden_record(AnonymousUser(), sys.exc_info())
    assert OneLineForbidden().filter(record)
    assert record.exc_info is None
    assert record.getMessage() == "Forbidden (Permission denied): /x/"
