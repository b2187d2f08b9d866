"""HTML answers are compressed for a browser that accepts gzip (GZipMiddleware), and left as they
are for a client that does not."""

import gzip

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_page_is_sent_compressed_to_a_browser_that_accepts_gzip(client, opp_a):
    response = client.get(reverse("opportunities:list"), HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    page = gzip.decompress(response.content).decode()
    assert page.lstrip().startswith("<!doctype html>") and "OP000001" in page
    assert len(response.content) < len(page.encode()) / 3


def test_a_page_is_sent_as_it_is_to_a_client_that_does_not_accept_gzip(client, opp_a):
    response = client.get(reverse("opportunities:list"))
    assert response.status_code == 200
    assert not response.has_header("Content-Encoding")
    assert "OP000001" in response.content.decode()


def test_an_htmx_answer_is_compressed_too(client, opp_a, htmx):
    response = client.get(
        reverse("opportunities:update", args=["OP000001"]), HTTP_ACCEPT_ENCODING="gzip", **htmx
    )
    assert response["Content-Encoding"] == "gzip"
    assert 'id="update-form"' in gzip.decompress(response.content).decode()


def test_compression_comes_before_the_middleware_that_write_the_page_and_the_retry_stays_last():
    middleware = settings.MIDDLEWARE
    gzip_at = middleware.index("django.middleware.gzip.GZipMiddleware")
    # After WhiteNoise, which sends the static files it compressed ahead of time itself.
    assert gzip_at == middleware.index("whitenoise.middleware.WhiteNoiseMiddleware") + 1
    assert middleware[-1] == "config.middleware.RetryOnLostConnectionMiddleware"
