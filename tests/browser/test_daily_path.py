"""The daily path of a sales team, in a real browser, once in English and once in French.

Log in; create an opportunity with its first stage; next; skip over two stages; jump back;
a refused skip shows its rule; close as won with a new close code; create a quote, add lines
and make the order; delete a closed opportunity; run the batch deletion with its preview: it
becomes a job, the page is closed, and coming back the job is done.
Screenshots of the main pages land in tests/browser/screenshots/.
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from jobs.models import Job
from opportunities import services
from opportunities.models import CloseOpportunityCode, Opportunity, SalesOrder
from opportunities.roles import SALES_MANAGER, create_roles
from salescycles import demo
from tests.browser.pages import screenshot
from tests.factories import UserFactory
from tests.jobs.workers import run_jobs

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {
    "en": {
        "list": "Opportunity list",
        "new": "New opportunity",
        "ok": "OK",
        "created": "created on stage Lead",
        "update": "Update",
        "moved": "moved to",
        "refused": "requires a quote",
        "close": "Close",
        "added": "added",
        "won": "closed as won",
        "create_quote": "Create quote",
        "add_line": "Add line",
        "make_order": "Make order",
        "order_made": "made from quote",
        "delete": "Delete",
        "deleted": "deleted.",
        "admin": "Administration",
        "batch": "Delete opportunities",
        "preview": "Preview",
        "will_be_deleted": "2 closed opportunities will be deleted.",
        "delete_them": "Delete them",
        "were_deleted": "2 closed opportunities were deleted.",
        "waiting": "Waiting for a worker.",
        "recent_jobs": "Recent jobs",
        "new_code": "New close code",
        "add_code": "Add code",
    },
    "fr": {
        "list": "Liste des opportunités",
        "new": "Nouvelle opportunité",
        "ok": "OK",
        "created": "créée à l\u2019étape Lead",
        "update": "Mettre à jour",
        "moved": "passée à l\u2019étape",
        "refused": "exige un devis",
        "close": "Clôturer",
        "added": "ajouté",
        "won": "clôturée comme gagnée",
        "create_quote": "Créer devis",
        "add_line": "Ajouter la ligne",
        "make_order": "Créer commande",
        "order_made": "créée à partir du devis",
        "delete": "Supprimer",
        "deleted": "supprimée.",
        "admin": "Administration",
        "batch": "Supprimer les opportunités",
        "preview": "Aperçu",
        "will_be_deleted": "2 opportunités clôturées seront supprimées.",
        "delete_them": "Les supprimer",
        "were_deleted": "2 opportunités clôturées ont été supprimées.",
        "waiting": "En attente d\u2019un processus de travail.",
        "recent_jobs": "Travaux récents",
        "new_code": "Nouveau code fin opportunité",
        "add_code": "Ajouter le code",
    },
}


@pytest.fixture
def data(fx):
    create_roles(apps)
    manager = UserFactory(username="manager")
    manager.groups.add(Group.objects.get(name=SALES_MANAGER))
    fx.AH.user = manager
    fx.AH.save(update_fields=["user"])
    web, _stages = demo.create_cycle(demo.WEB)  # Demo and Offer may be skipped, Offer needs a quote
    today = datetime.date.today()
    quoted = services.create_opportunity(
        description="Office chairs",
        contact=fx.CT100,
        sales_cycle=fx.STD,
        activate_first_stage=True,
        estimated_value=Decimal(8000),
        today=today,
    )
    for description in ("Old deal 1", "Old deal 2"):
        old = fx.create_opp_a(description=description, salesperson=fx.AH)
        services.close_opportunity(old, outcome="lost", close_code=fx.L_COMP)
    fx.create_opp_a(description="Printers", contact=fx.CT200, priority="high")
    return {"quoted": quoted, "web": web}


def messages(page) -> str:
    return page.locator("#messages").inner_text()


def dialog(page):
    return page.locator("#dialog")


def open_dialog(page, link) -> None:
    link.click()
    expect(dialog(page)).to_be_visible()
    expect(dialog(page).locator("form.modal-content")).to_be_visible()


def submit_dialog(page, words) -> None:
    with page.expect_navigation():
        dialog(page).get_by_role("button", name=words["ok"], exact=True).click()


def htmx_settled(page) -> None:
    """Wait until htmx has swapped and set up what it loaded."""
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )


def update(page, words, *, action, to_stage=None, chances=None, shot=None):
    """Open the update dialog and choose the action and target; the defaults follow them."""
    open_dialog(page, page.locator(".card-actions").get_by_role("link", name=words["update"]))
    page.select_option("#id_action", action)
    htmx_settled(page)
    if to_stage is not None:
        expect(page.locator("select#id_to_stage")).to_be_visible()
        page.select_option("#id_to_stage", label=to_stage)
        htmx_settled(page)
    if chances is not None:
        expect(page.locator("#id_chances_of_success")).to_have_value(chances)
    if shot:
        screenshot(page, shot)


@pytest.mark.parametrize("browser_page", ["en", "fr"], indirect=True)
def test_the_daily_path(browser_page, data, fx):
    page = browser_page
    words = WORDS[page.language]
    base = page.base_url

    # Log in, in the user's language.
    page.goto(base + "/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    if page.language == "fr":
        page.get_by_role("button", name="Français").click()
    page.fill("#id_username", "manager")
    page.fill("#id_password", "secret-password")
    page.locator("form.panel button[type=submit]").click()
    # A login lands on the dashboard; the day's work starts from the opportunity list.
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
    page.goto(base + "/opportunities/")
    expect(page.get_by_role("heading", name=words["list"])).to_be_visible()
    screenshot(page, "list")

    # New opportunity with "Activate first stage".
    page.get_by_role("link", name=words["new"]).click()
    page.fill("#id_description", "Web shop")
    page.fill("#id_contact", "CT100")
    page.select_option("#id_sales_cycle", "WEB")
    expect(page.locator("#id_activate_first_stage")).to_be_checked()
    page.fill("#id_estimated_value", "20000")
    page.fill("#id_chances_of_success", "30")
    page.get_by_role("button", name=words["ok"], exact=True).click()
    expect(page.locator("#messages")).to_contain_text(words["created"])
    opportunity = Opportunity.objects.get(description="Web shop")
    assert opportunity.current_stage.stage == 1
    screenshot(page, "card")

    # Next: the dialog opens over the card with its defaults.
    update(page, words, action="next", chances="40.00", shot="update")
    submit_dialog(page, words)
    expect(page.locator("#messages")).to_contain_text(f"{words['moved']} Qualify")

    # Skip over two stages (Demo and Offer may be skipped) to Negotiate.
    update(page, words, action="skip", to_stage="5 Negotiate", chances="70.00")
    submit_dialog(page, words)
    expect(page.locator("#messages")).to_contain_text("Negotiate")
    opportunity.refresh_from_db()
    assert opportunity.current_stage.stage == 5
    assert opportunity.entries.get(active=True).action_taken == "jumped"

    # Jump back to Qualify.
    update(page, words, action="jump", to_stage="2 Qualify", chances="40.00")
    submit_dialog(page, words)
    expect(page.locator("#messages")).to_contain_text("Qualify")
    opportunity.refresh_from_db()
    assert (opportunity.current_stage.stage, opportunity.chances_of_success) == (2, 40)

    # A refused skip: Offer needs a quote. The rule is shown in the dialog; nothing changes.
    version = Opportunity.objects.get(pk=opportunity.pk).version
    update(page, words, action="skip", to_stage="4 Offer", chances="60.00")
    dialog(page).get_by_role("button", name=words["ok"], exact=True).click()
    expect(dialog(page).locator(".alert-danger")).to_contain_text(words["refused"])
    screenshot(page, "update-refused")
    assert Opportunity.objects.get(pk=opportunity.pk).version == version
    page.keyboard.press("Escape")
    expect(dialog(page)).to_be_hidden()

    # Close as won, with a close code added from the dialog.
    open_dialog(page, page.locator(".card-actions").get_by_role("link", name=words["close"]))
    page.locator("details.new-code summary").click()
    page.fill("#id_new-code", "w-web")
    page.fill("#id_new-description", "Won on the web")
    dialog(page).get_by_role("button", name=words["add_code"]).click()
    expect(dialog(page).locator(".alert-success")).to_contain_text(words["added"])
    expect(page.locator("#id_close_code")).to_have_value("W-WEB")
    page.fill("#id_sales_value", "18500")
    screenshot(page, "close")
    submit_dialog(page, words)
    expect(page.locator("#messages")).to_contain_text(words["won"])
    opportunity.refresh_from_db()
    assert opportunity.status == "won"
    assert opportunity.entries.get(active=True).close_code.code == "W-WEB"
    assert CloseOpportunityCode.objects.filter(code="W-WEB", type="won").exists()

    # Create a quote from the list, add lines (the total follows), make the order.
    page.goto(base + "/opportunities/")
    row = page.locator(f"#row-{data['quoted'].number}")
    row.locator(".row-menu summary").click()  # the row's Actions menu
    row.get_by_role("button", name=re.compile(words["create_quote"])).click()
    expect(page.locator("#messages")).to_contain_text(data["quoted"].number)
    lines = page.locator("#quote-lines tr[data-line-row]:not(.new-line)")
    for count, (description, quantity, price) in enumerate(
        (("Chairs", "10", "450"), ("Desks", "4", "1250.50")), start=1
    ):
        page.fill("#id_new-description", description)
        page.fill("#id_new-quantity", quantity)
        page.fill("#id_new-unit_price", price)
        page.get_by_role("button", name=words["add_line"]).click()
        expect(lines).to_have_count(count)
    total = "9,502.00" if page.language == "en" else "9\xa0502,00"
    expect(page.locator("[data-total]")).to_have_text(total)
    # Typing shows the new line's amount before saving; the total counts saved lines only.
    page.fill("#id_new-quantity", "1")
    page.fill("#id_new-unit_price", "98")
    expect(page.locator("tr.new-line [data-line-amount]")).to_have_text(
        "98.00" if page.language == "en" else "98,00"
    )
    expect(page.locator("[data-total]")).to_have_text(total)
    page.fill("#id_new-quantity", "")
    page.fill("#id_new-unit_price", "")
    screenshot(page, "quote")
    open_dialog(page, page.locator(".card-actions").get_by_role("link", name=words["make_order"]))
    page.select_option("#id_close_code", "W-PRICE")
    submit_dialog(page, words)
    expect(page.locator("#messages")).to_contain_text(words["order_made"])
    order = SalesOrder.objects.get()
    assert order.total == Decimal("9502.00")
    quoted = Opportunity.objects.get(pk=data["quoted"].pk)
    assert quoted.status == "won"
    assert quoted.order == order

    # Delete a closed opportunity from its card, after the confirmation.
    page.goto(base + opportunity.get_absolute_url())
    open_dialog(page, page.locator(".card-actions").get_by_role("link", name=words["delete"]))
    with page.expect_navigation():
        dialog(page).get_by_role("button", name=words["delete"], exact=True).click()
    expect(page.locator("#messages")).to_contain_text(f"{opportunity.number} {words['deleted']}")
    assert not Opportunity.objects.filter(pk=opportunity.pk).exists()

    # The batch job: filters, a preview count, the confirmation, the result.
    page.get_by_role("button", name=words["admin"]).or_(
        page.get_by_role("link", name=words["admin"])
    ).click()
    page.get_by_role("link", name=words["batch"]).click()
    page.select_option("#id_salesperson", "AH")
    page.get_by_role("button", name=words["preview"]).click()
    expect(page.locator("#preview-count")).to_have_text(words["will_be_deleted"])
    assert Opportunity.objects.closed().count() == 3
    screenshot(page, "batch")
    # Confirmed, the deletion is a job: its page shows it waiting for a worker. The page is
    # closed; a worker runs the job meanwhile; back on the site, the job is done.
    page.get_by_role("button", name=words["delete_them"]).click()
    expect(page.locator("#job-result")).to_contain_text(words["waiting"])
    screenshot(page, "job")
    job = Job.objects.get()
    context = page.context
    page.close()
    assert run_jobs() == 1
    page = context.new_page()
    page.goto(base + "/")
    page.get_by_role("button", name=words["admin"]).or_(
        page.get_by_role("link", name=words["admin"])
    ).click()
    page.get_by_role("link", name=words["recent_jobs"]).click()
    expect(page.locator(f"#job-{job.pk}")).to_contain_text(words["were_deleted"])
    page.locator(f"#job-{job.pk} a").click()
    expect(page.locator("#job-result")).to_contain_text(words["were_deleted"])
    assert list(Opportunity.objects.closed()) == [quoted]  # JO's won one stays
