"""The main pages are valid HTML, as the Nu Html Checker (the W3C validator's engine, `vnu.jar`
from the npm registry, run offline with Java) reads them: no error on the list, a card, the new
opportunity page, the board, the dashboard, the contacts, the batch deletion and a job's page,
and the login page, in English and in French. Without Java the test skips, except in CI."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from jobs.models import Job
from opportunities import services
from tests.views.test_batch_progress import confirmation

pytestmark = pytest.mark.django_db

VNU = (
    Path(__file__).resolve().parents[2] / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
)


# A short run: the quick compiler only and the one-thread collector take half the CPU of Java's
# defaults (2.2 s against 4.2 s for two pages, measured); the quick compiler's deeper frames need
# a larger thread stack than the 512 KiB the checker asks for.
JVM_OPTIONS = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xss16m"]


@pytest.fixture(scope="session")
def java() -> str:
    path = shutil.which("java")
    if path is None or not VNU.exists():
        reason = "The HTML check needs Java and vnu.jar (`make assets`)."
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} CI needs them.")
        pytest.skip(reason)
    return path


def check(java: str, pages: dict[str, str], folder: Path) -> list[str]:
    """The checker's errors on the pages (name: HTML), one line each: page, line, message and
    the markup around it."""
    for name, html in pages.items():
        (folder / f"{name}.html").write_text(html, encoding="utf-8")
    files = [str(folder / f"{name}.html") for name in pages]
    command = [
        java,
        *JVM_OPTIONS,
        "-jar",
        str(VNU),
        "--format",
        "json",
        "--stdout",
        "--exit-zero-always",
    ]
    answer = subprocess.run(
        [*command, *files], capture_output=True, text=True, check=True, timeout=300
    )
    return [
        f"{Path(m.get('url', '')).stem}:{m.get('lastLine')}: {m['message']}"
        f" ({' '.join(m.get('extract', '').split())[:120]})"
        for m in json.loads(answer.stdout)["messages"]
        if m["type"] == "error" or m.get("subType") == "fatal"
    ]


def test_the_checker_reports_invalid_markup_with_its_page_and_line(java, tmp_path):
    valid = "<!doctype html><html lang=en><head><title>A</title></head><body><p>A</p></body></html>"
    invalid = valid.replace("<p>A</p>", "<ul>\n<p>A</p></ul>")
    errors = check(java, {"valid": valid, "invalid": invalid}, tmp_path)
    [error] = errors
    assert error.startswith("invalid:2: Element “p” not allowed as child of element “ul”")
    assert error.endswith("(body><ul> <p>A</p><)")


def main_pages(client: Client, fx, opp_a, language: str) -> dict[str, str]:
    """The HTML of the main pages as a manager sees them (and the login page)."""
    lost = fx.create_opp_a(description="Lost one")
    services.close_opportunity(lost, outcome="lost", close_code=fx.L_COMP)
    batch = reverse("opportunities:batch_delete")
    client.post(batch, confirmation(client, all_closed="on"))
    urls = {
        "list": reverse("opportunities:list"),
        "card": opp_a.get_absolute_url(),
        "new-opportunity": reverse("opportunities:create"),
        "board": reverse("pipeline:board", args=[fx.STD.code]),
        "dashboard": reverse("pipeline:dashboard"),
        "contacts": reverse("contacts:contact_list"),
        "contact": fx.CT100.get_absolute_url(),
        "batch": batch + "?preview=1&all_closed=on",
        "job": Job.objects.get().get_absolute_url(),
    }
    pages = {}
    for name, url in urls.items():
        response = client.get(url)
        assert response.status_code == 200, url
        pages[name] = response.content.decode()
    login = Client().get(reverse("login"), headers={"accept-language": language})
    pages["login"] = login.content.decode()
    return pages


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_main_pages_are_valid_html(java, tmp_path, fx, client, opp_a, language):
    client.post(reverse("set_language"), {"language": language, "next": "/"})
    errors = check(java, main_pages(client, fx, opp_a, language), tmp_path)
    assert errors == [], "\n".join(errors)
