"""The batch deletion page deletes a large selection over several requests, with progress.

The running total travels in the signed confirmation each step hands to the next, so the
result counts every step, and a total the browser makes up counts for nothing.
"""

from html.parser import HTMLParser

import pytest
from django.core.exceptions import NON_FIELD_ERRORS
from django.urls import reverse

from opportunities import services
from opportunities.models import Opportunity
from opportunities.views import batch

pytestmark = pytest.mark.django_db
BATCH = reverse("opportunities:batch_delete")


class FormFields(HTMLParser):
    """What a browser posts with the form of the given id: its named inputs, as rendered."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self.inside = attributes.get("id") == self.form_id
        elif tag == "input" and self.inside and attributes.get("name"):
            if attributes.get("type") == "checkbox" and "checked" not in attributes:
                return
            self.fields[attributes["name"]] = attributes.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False


def form_fields(response, form_id: str) -> dict[str, str]:
    parser = FormFields(form_id)
    parser.feed(response.content.decode())
    assert parser.fields, f"no form #{form_id} on the page"
    return parser.fields


def confirmation(client, **filters) -> dict[str, str]:
    """Preview the filters and return what the page's "Delete them" button posts."""
    page = client.get(BATCH, {"preview": "1", **filters})
    assert page.context["preview"], page.context["form"].errors
    return form_fields(page, "batch-confirm")


def refusal_codes(response) -> list[str]:
    return [error.code for error in response.context["form"].errors.as_data()[NON_FIELD_ERRORS]]


@pytest.fixture
def closed(fx):
    made = []
    for index in range(3):
        opportunity = fx.create_opp_a(description=f"Lost {index}")
        services.close_opportunity(opportunity, outcome="lost", close_code=fx.L_COMP)
        made.append(opportunity)
    return made


@pytest.fixture
def one_chunk_per_request(monkeypatch):
    monkeypatch.setattr(batch, "BATCH_SECONDS", 0)
    monkeypatch.setattr(batch, "BATCH_CHUNK_SIZE", 1)


def test_a_large_deletion_shows_its_progress_and_goes_on_until_done(
    fx, client, closed, one_chunk_per_request
):
    open_one = fx.create_opp_a(description="Open")
    first = client.post(BATCH, confirmation(client, all_closed="on"))
    assert first.status_code == 200
    assert first.context["deleted"] == 1 and first.context["remaining"] == 2
    assert "1 closed opportunity deleted so far." in first.content.decode()
    second = client.post(BATCH, form_fields(first, "batch-progress"), HTTP_HX_REQUEST="true")
    assert "<html" not in second.content.decode()  # htmx gets the progress only
    assert second.context["deleted"] == 2
    # Without JavaScript the "Continue" button posts the same form.
    last = client.post(BATCH, form_fields(second, "batch-progress"), follow=True)
    assert "3 closed opportunities were deleted." in last.content.decode()
    assert list(Opportunity.objects.all()) == [open_one]


def test_the_last_step_under_htmx_sends_the_browser_to_the_result(fx, client, closed):
    response = client.post(BATCH, confirmation(client, all_closed="on"), HTTP_HX_REQUEST="true")
    assert response.headers["HX-Redirect"] == BATCH
    assert not Opportunity.objects.exists()
    assert "3 closed opportunities were deleted." in client.get(BATCH).content.decode()


def test_the_result_counts_every_step_even_after_a_step_whose_answer_was_lost(
    fx, client, closed, one_chunk_per_request
):
    """The second step deletes its chunk but its answer never arrives (the connection dropped,
    the tab was closed): the user continues from the page they still have."""
    first = client.post(BATCH, confirmation(client, all_closed="on"))
    still_shown = form_fields(first, "batch-progress")
    client.post(BATCH, still_shown, HTTP_HX_REQUEST="true")  # answer lost
    assert Opportunity.objects.count() == 1

    last = client.post(BATCH, still_shown, follow=True)

    assert "3 closed opportunities were deleted." in last.content.decode()
    assert not Opportunity.objects.exists()


def test_a_running_total_made_up_by_the_browser_counts_for_nothing(
    fx, client, closed, one_chunk_per_request
):
    first = client.post(BATCH, confirmation(client, all_closed="on"))
    data = {**form_fields(first, "batch-progress"), "deleted": "1000"}
    second = client.post(BATCH, data)
    assert second.context["deleted"] == 2
    last = client.post(
        BATCH, {**form_fields(second, "batch-progress"), "deleted": "-7"}, follow=True
    )
    assert "3 closed opportunities were deleted." in last.content.decode()


def test_a_tampered_step_under_htmx_sends_the_browser_back_to_the_preview(
    fx, client, closed, one_chunk_per_request
):
    first = client.post(BATCH, confirmation(client, salesperson="JO"))
    data = {**form_fields(first, "batch-progress"), "salesperson": "AH"}

    response = client.post(BATCH, data, HTTP_HX_REQUEST="true")

    assert response.headers["HX-Redirect"] == f"{BATCH}?preview=1&salesperson=AH"
    assert Opportunity.objects.count() == 2
    page = client.get(response.headers["HX-Redirect"])
    assert "The filters are not the ones of the preview." in page.content.decode()
    assert page.context["preview"] == 0


def test_a_refused_step_without_javascript_shows_the_preview_again(
    fx, client, closed, one_chunk_per_request
):
    first = client.post(BATCH, confirmation(client, all_closed="on"))
    data = {**form_fields(first, "batch-progress"), "confirmation": "made-up"}

    response = client.post(BATCH, data)

    assert refusal_codes(response) == ["not_previewed"]
    assert Opportunity.objects.count() == 2
    assert response.context["preview"] == 2
    assert form_fields(response, "batch-confirm")["all_closed"] == "True"
