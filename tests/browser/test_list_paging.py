"""The opportunity list in the browser: a salesperson opens it on their own open opportunities,
the totals arrive after the page, "All" is one click away, and the rows per page and the pages
turn in place with htmx."""

import pytest
from playwright.sync_api import expect

from opportunities import services
from opportunities.roles import SALESPERSON
from tests.browser.pages import log_in
from tests.conftest import user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {
    "en": {
        "mine": "My open opportunities",
        "all_title": "Opportunity list",
        "all": "All",
        "next": "Next",
        "rows": "Rows per page",
        "first_ten": "1\N{EN DASH}10 of 30 opportunities",
        "second_ten": "11\N{EN DASH}20 of 30 opportunities",
        "estimated": "Estimated value",
    },
    "fr": {
        "mine": "Mes opportunités ouvertes",
        "all_title": "Liste des opportunités",
        "all": "Toutes",
        "next": "Suivant",
        "rows": "Lignes par page",
        "first_ten": "1\N{EN DASH}10 sur 30 opportunités",
        "second_ten": "11\N{EN DASH}20 sur 30 opportunités",
        "estimated": "Valeur estimée",
    },
}


@pytest.fixture
def seller(fx):
    """JO, with 20 opportunities (10 of them lost) among 30."""
    user = user_with_role("jo", SALESPERSON, fx.JO)
    for index in range(30):
        opportunity = fx.create_opp_a(
            description=f"Deal {index}", salesperson=fx.JO if index < 20 else fx.AH
        )
        if index < 10:
            services.close_opportunity(opportunity, outcome="lost", close_code=fx.L_COMP)
    return user


@pytest.mark.parametrize("browser_page", ["en", "fr"], indirect=True)
def test_a_salesperson_s_list_opens_on_mine_then_all_pages_in_place_with_its_totals(
    browser_page, seller
):
    page = browser_page
    words = WORDS[page.language]
    log_in(page, "jo", "/opportunities/")
    expect(page.locator("h1")).to_have_text(words["mine"])
    expect(page.locator(".list-table tbody tr")).to_have_count(10)
    totals = page.locator("#list-totals")
    expect(totals.locator("dl")).to_contain_text(words["estimated"])  # fetched after the page
    expect(totals.locator("dd").first).to_have_text("10")

    page.locator(".list-views").get_by_role("link", name=words["all"]).click()
    expect(page.locator("h1")).to_have_text(words["all_title"])
    expect(totals.locator("dd").first).to_have_text("30")

    page.get_by_label(words["rows"]).select_option("10")
    expect(page.locator(".pagination-total")).to_have_text(words["first_ten"])
    expect(page.locator(".list-table tbody tr")).to_have_count(10)
    assert "per_page=10" in page.url

    page.locator(".pagination").get_by_role("link", name=words["next"]).click()
    expect(page.locator(".pagination-total")).to_have_text(words["second_ten"])
    assert "at=11" in page.url
    expect(totals.locator("dd").first).to_have_text("30")  # kept, not fetched again
