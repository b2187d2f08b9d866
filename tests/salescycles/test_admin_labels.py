"""The stages of a sales cycle's admin page: every input of a row is named by its column (the
table's cells have no label), in the admin's language, a help text describes its input from the
column's header, and no column header is empty."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(fx, admin_client):
    def get(language="en"):
        url = reverse("admin:salescycles_salescycle_change", args=[fx.STD.pk])
        return admin_client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()

    return get


def tag(content: str, name: str) -> str:
    """The input of that name."""
    return re.search(rf'<input\b[^>]*name="{name}"[^>]*>', content).group(0)


def test_every_visible_input_of_a_stage_row_is_named_by_its_column(page):
    content = page()
    inputs = re.findall(r'<input\b[^>]*name="stages-\d+-[^"]+"[^>]*>', content)
    visible = [one for one in inputs if 'type="hidden"' not in one]
    assert len(visible) > 8  # the cycle's stages and the empty row
    assert all("aria-label=" in one for one in visible)
    assert 'aria-label="Description"' in tag(content, "stages-0-description")
    assert 'aria-label="Date formula"' in tag(content, "stages-0-date_formula")
    assert 'aria-label="Delete"' in tag(content, "stages-0-DELETE")


def test_the_stage_labels_are_in_french_for_a_french_admin(page):
    content = page("fr")
    assert 'aria-label="Supprimer"' in tag(content, "stages-0-DELETE")
    assert 'aria-label="Delete"' not in content


def test_the_date_formula_is_described_by_its_header_help(page):
    content = page()
    described = tag(content, "stages-1-date_formula")
    target = re.search(r'aria-describedby="([^"]+)"', described).group(1)
    assert re.search(rf'<img\b[^>]*id="{target}"[^>]*alt="\([^"]+\)"', content)


def test_every_aria_reference_of_the_page_points_at_an_element_there(page):
    content = page()
    ids = set(re.findall(r'\bid="([^"]+)"', content))
    references = re.findall(r'aria-(?:labelledby|describedby)="([^"]+)"', content)
    missing = {one for value in references for one in value.split() if one not in ids}
    assert references and missing == set()


def test_no_column_header_of_the_stages_is_empty(page):
    content = page()
    table = content[content.index('id="stages-group"') :]
    head = table[: table.index("</thead>")]
    headers = re.findall(r"<th\b[^>]*>(.*?)</th>", head, re.S)
    assert headers and all(re.sub(r"<[^>]+>", "", header).strip() for header in headers)
