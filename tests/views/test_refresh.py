"""A dialog's defaults follow a choice (the update's action and target, the close's outcome) by
posting the dialog back with a `refresh` flag: the form's values, the CSRF token among them,
never travel in a URL, with or without JavaScript, and a refresh writes nothing."""

import re

import pytest
from django.urls import reverse

from opportunities.models import UpdateAction
from tests.snapshots import database_state

pytestmark = pytest.mark.django_db


def update_url(opportunity) -> str:
    return reverse("opportunities:update", args=[opportunity.number])


def close_url(opportunity) -> str:
    return reverse("opportunities:close", args=[opportunity.number])


def refresh_button(content: str) -> str:
    return re.search(r'<button[^>]*name="refresh"[^>]*>', content).group(0)


@pytest.mark.parametrize("url", [update_url, close_url])
def test_the_refresh_button_without_javascript_posts_the_dialog(fx, client, opp_a, url):
    button = refresh_button(client.get(url(opp_a)).content.decode())
    assert "formmethod" not in button  # the form's own method: POST
    assert "formaction" not in button


@pytest.mark.parametrize("url", [update_url, close_url])
def test_the_fields_that_decide_the_defaults_refresh_by_post(fx, client, opp_a, url):
    content = client.get(url(opp_a)).content.decode()
    refreshing = re.findall(r"<(?:select|input)[^>]*hx-(?:get|post)=[^>]*>", content)
    assert refreshing
    for tag in refreshing:
        assert "data-hx-get" not in tag
        assert "data-hx-post" in tag and "refresh" in tag


def test_a_refresh_of_the_update_dialog_shows_the_defaults_of_the_new_action(fx, client, opp_a):
    before = database_state()
    response = client.post(
        update_url(opp_a),
        {
            "version": opp_a.version,
            "action": UpdateAction.SKIP,
            "to_stage": fx.stages[3].pk,
            "date_of_change": "2024-02-01",
            "estimated_value": "10000",
            "chances_of_success": "1",
            "refresh": "1",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert not form.is_bound
    assert form.initial["action"] == UpdateAction.SKIP
    assert form.initial["to_stage"] == fx.stages[3].pk
    assert form.initial["chances_of_success"] == fx.stages[3].chances_of_success
    assert str(form.initial["date_of_change"]) == "2024-02-01"  # the typed date stays
    assert database_state() == before


def test_an_htmx_refresh_answers_the_dialog_only(fx, client, opp_a, htmx):
    response = client.post(
        update_url(opp_a),
        {"version": opp_a.version, "action": UpdateAction.UPDATE, "refresh": "1", "modal": "1"},
        **htmx,
    )
    content = response.content.decode()
    assert "<html" not in content and 'id="update-form"' in content
    assert response.context["form"].initial["action"] == UpdateAction.UPDATE


def test_a_refresh_keeps_the_version_the_dialog_was_opened_with(fx, client, opp_a):
    seen = opp_a.version
    response = client.post(
        update_url(opp_a), {"version": seen, "action": UpdateAction.NEXT, "refresh": "1"}
    )
    assert response.context["form"].initial["version"] == seen


def test_a_refresh_of_the_close_dialog_shows_the_codes_of_the_outcome(fx, client, opp_a):
    before = database_state()
    response = client.post(
        close_url(opp_a),
        {
            "version": opp_a.version,
            "outcome": "lost",
            "date_closed": "2024-02-01",
            "refresh": "1",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    codes = [value for value, _label in form.fields["close_code"].widget.choices]
    assert codes == ["", "L-COMP", "L-PRICE"]
    assert str(form.initial["date_closed"]) == "2024-02-01"
    assert database_state() == before
