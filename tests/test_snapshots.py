"""The checks the other tests lean on can fail: the database picture sees a change of any column,
and `assert_refused` fails when an action is not refused, is refused for another reason, or
writes something before it is refused; it reads a page's refusal from its form, its fields'
errors or its 403."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from opportunities.models import Opportunity, UpdateAction
from opportunities.roles import SALES_MANAGER
from tests.conftest import user_with_role
from tests.snapshots import assert_refused, database_state


def test_the_database_picture_notices_a_change_of_any_column(fx, opp_a):
    before = database_state(setup=True)
    Opportunity.objects.filter(pk=opp_a.pk).update(version=opp_a.version + 1)
    assert database_state(setup=True) != before


def test_the_database_picture_with_the_setup_data_notices_a_renamed_salesperson(fx):
    before = database_state(setup=True)
    fx.JO.name = "Jo Renamed"
    fx.JO.save()
    assert database_state(setup=True) != before


def refuse(code: str = "closed"):
    raise ValidationError("Refused.", code=code)


def test_assert_refused_returns_the_refusal_of_the_given_code(db):
    error = assert_refused("closed", refuse)
    assert error.code == "closed" and error.messages == ["Refused."]


def test_assert_refused_fails_when_the_action_goes_through(db):
    with pytest.raises(AssertionError, match="not refused"):
        assert_refused("closed", lambda: None)


def test_assert_refused_fails_on_another_code(db):
    with pytest.raises(AssertionError):
        assert_refused("closed", refuse, "stale")


def test_assert_refused_fails_when_the_action_wrote_before_it_refused(fx, opp_a):
    def rename_then_refuse():
        Opportunity.objects.filter(pk=opp_a.pk).update(description="Written anyway")
        refuse()

    with pytest.raises(AssertionError):
        assert_refused("closed", rename_then_refuse)


@pytest.fixture
def manager_client(fx):
    client = Client()
    client.force_login(user_with_role("manager", SALES_MANAGER, fx.AH))
    return client


def test_assert_refused_reads_a_page_s_refusal_from_its_form(fx, opp_a, manager_client):
    url = reverse("opportunities:update", args=[opp_a.number])
    response = assert_refused(
        "action_not_offered",
        manager_client.post,
        url,
        {"version": opp_a.version, "action": UpdateAction.JUMP},
    )
    assert response.status_code == 200


def test_assert_refused_reads_a_page_s_field_errors_when_no_rule_refused(fx, opp_a, manager_client):
    url = reverse("opportunities:update", args=[opp_a.number])
    assert_refused("required", manager_client.post, url, {"version": opp_a.version})


def test_assert_refused_reads_a_403_as_permission_denied(fx, opp_a, seller):
    client = Client()
    client.force_login(seller)
    theirs = fx.create_opp_a(salesperson=fx.AH)
    url = reverse("opportunities:update", args=[theirs.number])
    assert_refused("permission_denied", client.post, url, {"version": theirs.version})


def test_assert_refused_fails_on_a_page_that_went_through(fx, opp_a, manager_client):
    url = reverse("opportunities:update", args=[opp_a.number])
    with pytest.raises(AssertionError, match="not refused"):
        assert_refused(
            "action_not_offered",
            manager_client.post,
            url,
            {"version": opp_a.version, "action": UpdateAction.NEXT},
        )
