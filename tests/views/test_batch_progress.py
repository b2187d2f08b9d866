"""The batch deletion page deletes a large selection over several requests, with progress."""

import pytest
from django.urls import reverse

from opportunities import services, views
from opportunities.models import Opportunity

pytestmark = pytest.mark.django_db
BATCH = reverse("opportunities:batch_delete")


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
    monkeypatch.setattr(views, "BATCH_SECONDS", 0)
    monkeypatch.setattr(views, "BATCH_CHUNK_SIZE", 1)


def test_a_large_deletion_shows_its_progress_and_goes_on_until_done(
    fx, client, closed, one_chunk_per_request
):
    open_one = fx.create_opp_a(description="Open")
    first = client.post(BATCH, {})
    assert first.status_code == 200
    assert first.context["deleted"] == 1 and first.context["remaining"] == 2
    assert "1 closed opportunity deleted so far." in first.content.decode()
    second = client.post(BATCH, {"deleted": "1"}, HTTP_HX_REQUEST="true")
    assert "<html" not in second.content.decode()  # htmx gets the progress only
    assert second.context["deleted"] == 2
    last = client.post(BATCH, {"deleted": "2"}, follow=True)
    assert "3 closed opportunities were deleted." in last.content.decode()
    assert list(Opportunity.objects.all()) == [open_one]


def test_the_last_step_under_htmx_sends_the_browser_to_the_result(fx, client, closed):
    response = client.post(BATCH, {}, HTTP_HX_REQUEST="true")
    assert response.headers["HX-Redirect"] == BATCH
    assert not Opportunity.objects.exists()
