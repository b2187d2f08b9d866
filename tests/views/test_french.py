"""French: a complete catalogue, BC's vocabulary, and no English left on French pages."""

import os
import re
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from opportunities import services
from opportunities.models import UpdateAction

pytestmark = pytest.mark.django_db

PO = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES" / "django.po"

# Words of the interface that must not show on a French page (data such as stage names is
# the user's own and is not translated).
ENGLISH = [
    "Opportunity list",
    "Estimated value",
    "Current value",
    "Salesperson",
    "Sales cycle",
    "Closing date",
    "Create quote",
    "Make order",
    "New opportunity",
    "Update",
    "Delete",
    "Cancel",
    "Search",
    "Status",
    "In progress",
    "Not started",
    "Log out",
    "Figures",
    "Entries",
    "Customer",
    "Total excluding VAT",
    "Select an option",
]


def test_the_catalogue_has_no_untranslated_or_fuzzy_entry():
    text = PO.read_text(encoding="utf-8")
    assert "#, fuzzy" not in text
    entries = text.split("\n\n")[1:]
    empty = [entry for entry in entries if re.search(r'^msgstr(\[\d\])? ""$', entry, re.M)]
    # An empty msgstr followed by continuation lines is a long translation, not a missing one.
    missing = [entry for entry in empty if not re.search(r'^msgstr(\[\d\])? ""\n"', entry, re.M)]
    assert missing == []


def test_bcs_french_vocabulary_is_used():
    text = PO.read_text(encoding="utf-8")
    for english, french in [
        ("Opportunity list", "Liste des opportunités"),
        ("Close opportunity", "Terminer opportunité"),
        ("Update opportunity", "Mise à jour opportunité"),
        ("Delete opportunities", "Supprimer les opportunités"),
        ("Create quote", "Créer devis"),
        ("Make order", "Créer commande"),
        ("Action type", "Type action"),
        ("Close opportunity code", "Code fin opportunité"),
        ("Jump", "Omettre"),
        ("Skip", "Ignorer"),
    ]:
        assert f'msgid "{english}"\nmsgstr "{french}"' in text


@pytest.fixture
def french(client):
    client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    return client


def pages(fx, opp_a):
    quote = services.create_quote(opp_a)
    services.add_quote_line(quote, description="Desks", quantity=Decimal(2), unit_price=500)
    lost = fx.create_opp_a(description="Lost one")
    services.close_opportunity(lost, outcome="lost", close_code=fx.L_COMP)
    return [
        "/",
        reverse("opportunities:create"),
        opp_a.get_absolute_url(),
        reverse("opportunities:update", args=[opp_a.number]),
        reverse("opportunities:close", args=[opp_a.number]),
        reverse("opportunities:delete", args=[lost.number]),
        quote.get_absolute_url(),
        reverse("opportunities:make_order", args=[quote.number]),
        reverse("opportunities:quote_delete", args=[quote.number]),
        reverse("opportunities:batch_delete") + "?preview=1",
        reverse("contacts:contact_list"),
        fx.CT100.get_absolute_url(),
        reverse("contacts:salesperson_list"),
        fx.JO.get_absolute_url(),
        reverse("salescycles:list"),
        fx.STD.get_absolute_url(),
    ]


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def test_no_english_is_left_on_french_pages(fx, opp_a, french):
    for url in pages(fx, opp_a):
        response = french.get(url)
        assert response.status_code == 200, url
        text = visible_text(response.content.decode())
        left = [word for word in ENGLISH if re.search(rf"\b{re.escape(word)}\b", text)]
        assert left == [], url


def test_french_pages_format_dates_and_amounts_in_french(fx, opp_a, french):
    content = french.get(opp_a.get_absolute_url()).content.decode()
    assert "31/03/2024" in content
    assert "10\xa0000,00" in content
    assert "Valeur actuelle calculée" in content


def test_a_refusal_reads_in_french_with_french_dates(fx, opp_a, french):
    response = french.post(
        reverse("opportunities:update", args=[opp_a.number]),
        {"version": opp_a.version, "action": UpdateAction.NEXT, "date_of_change": "2024-01-10"},
    )
    assert (
        "La date du 10/01/2024 est antérieure à la dernière modification de l\u2019opportunité, "
        "le 15/01/2024." in response.content.decode()
    )


def msgids(po_text: str) -> set[str]:
    """The catalogue's source strings (each with its plural), continuation lines joined."""
    joined = re.sub(r'"\n"', "", po_text)
    return set(re.findall(r'^msgid(?:_plural)? "(.+)"$', joined, re.M))


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext is not installed")
def test_the_catalogue_holds_every_string_of_the_code(tmp_path):
    """`make messages` run on a copy of the project adds nothing: no string was forgotten."""
    base = Path(settings.BASE_DIR)
    # Every package of the project that pages or messages come from (not tests or benchmarks).
    packages = [
        path.name
        for path in base.iterdir()
        if (path / "__init__.py").exists() and path.name not in {"tests", "bench", "loadtest"}
    ]
    for name in ("manage.py", *packages):
        source = base / name
        copy = shutil.copytree if source.is_dir() else shutil.copy
        copy(source, tmp_path / name)
    shutil.copytree(base / "templates", tmp_path / "templates")
    shutil.copytree(base / "locale", tmp_path / "locale")
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "fr", "--no-obsolete", "-v0"],
        cwd=tmp_path,
        check=True,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
    )
    regenerated = (tmp_path / "locale" / "fr" / "LC_MESSAGES" / "django.po").read_text("utf-8")
    assert msgids(regenerated) - msgids(PO.read_text(encoding="utf-8")) == set()
