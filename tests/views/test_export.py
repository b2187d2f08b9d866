"""Export: the opportunity list (its filters and sort, every row), the entries of those
opportunities, the contact and salesperson lists, as CSV or XLSX files."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from exports import formats
from opportunities import services
from opportunities.models import Opportunity, OpportunityEntry, UpdateAction
from opportunities.views.lists import OpportunityListView
from tests.factories import OpportunityFactory, UserFactory
from tests.views.test_list import make_opportunities

pytestmark = pytest.mark.django_db

LIST = reverse("opportunities:list")
EXPORT = reverse("exports:opportunities")
ENTRIES = reverse("exports:entries")
CONTACTS = reverse("exports:contacts")
SALESPEOPLE = reverse("exports:salespeople")


def body(response) -> bytes:
    assert response.status_code == 200, response
    return b"".join(response.streaming_content)


def csv_rows(response) -> list[list[str]]:
    content = body(response)
    assert content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def records(response) -> list[dict[str, str]]:
    header, *rows = csv_rows(response)
    return [dict(zip(header, row, strict=True)) for row in rows]


def workbook_rows(response) -> list[tuple]:
    book = load_workbook(io.BytesIO(body(response)))
    return list(book.worksheets[0].iter_rows(values_only=True))


def list_numbers(client, query: str) -> list[str]:
    response = client.get(LIST + query)
    assert response.status_code == 200
    return [row.number for row in response.context["rows"]]


@pytest.fixture
def french(manager) -> Client:
    client = Client()
    client.force_login(manager)
    client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    return client


# --- the file ----------------------------------------------------------------------------------


def test_the_csv_is_an_attachment_named_with_the_date_in_utf8_with_a_byte_order_mark(client, opp_a):
    response = client.get(EXPORT)
    today = timezone.localdate().isoformat()
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="opportunities-{today}.csv"'
    assert body(response).startswith(b"\xef\xbb\xbfNumber,Description,Contact,Salesperson,")


def test_the_columns_are_the_model_fields_headed_by_their_names_in_english(client, opp_a):
    header = csv_rows(client.get(EXPORT))[0]
    assert header == [
        "Number",
        "Description",
        "Contact",
        "Salesperson",
        "Sales cycle",
        "Priority",
        "Status",
        "Closed",
        "Creation date",
        "Date closed",
        "Current stage",
        "Estimated value",
        "Chances of success %",
        "Completed %",
        "Probability %",
        "Current value",
        "Estimated closing date",
        "Quote",
        "Order",
    ]


def test_a_french_user_gets_french_headers_with_iso_dates_and_a_decimal_point(french, opp_a):
    (row,) = records(french.get(EXPORT))
    assert row["Numéro"] == opp_a.number
    assert row["Vendeur"] == "JO"
    assert row["Date clôture estimée"] == "2024-03-31"
    assert row["Date de création"] == "2024-01-15"
    assert row["Valeur estimée"] == "10000.00"
    assert row["% chances de succès"] == "30.00"
    assert row["Clôturée"] == "False"


def test_references_are_written_by_number_or_code_and_the_stage_by_its_number(fx, client, opp_a):
    services.update_opportunity(opp_a, action=UpdateAction.NEXT, today=fx.today)
    quote = services.create_quote(opp_a)
    (row,) = records(client.get(EXPORT))
    assert row["Contact"] == "CT100"
    assert row["Salesperson"] == "JO"
    assert row["Sales cycle"] == "STD"
    assert row["Current stage"] == "2"
    assert row["Status"] == "in_progress"
    assert row["Quote"] == quote.number
    assert row["Order"] == ""
    assert row["Date closed"] == ""


def test_a_text_that_looks_like_a_formula_is_neutralised_and_numbers_stay_numbers(fx, client):
    fx.create_opp_a(description='=HYPERLINK("http://evil.example","x")')
    fx.create_opp_a(description="-5% for friends")
    fx.create_opp_a(description="@SUM(A1)")
    tabbed = fx.create_opp_a(description="Tabbed")
    Opportunity.objects.filter(pk=tabbed.pk).update(description="\tTabbed")  # as imported
    fx.create_opp_a(description="Plain - with a dash inside")
    rows = records(client.get(EXPORT + "?sort=number"))
    assert [row["Description"] for row in rows] == [
        '\'=HYPERLINK("http://evil.example","x")',
        "'-5% for friends",
        "'@SUM(A1)",
        "'\tTabbed",
        "Plain - with a dash inside",
    ]
    assert {row["Estimated value"] for row in rows} == {"10000.00"}


# --- which rows ----------------------------------------------------------------------------------


def test_every_row_is_exported_not_just_the_first_page(fx, client):
    for index in range(30):
        OpportunityFactory(description=f"Deal {index}", contact=fx.CT100, salesperson=fx.JO)
    assert len(list_numbers(client, "")) == 25
    numbers = [row["Number"] for row in records(client.get(EXPORT))]
    assert numbers == list(Opportunity.objects.order_by("-pk").values_list("number", flat=True))
    assert len(numbers) == 30


@pytest.mark.parametrize(
    "query",
    [
        "?salesperson=JO&status=open&sort=-estimated_value",
        "?contact=CT100&q=deal&sort=contact",
        "?status=closed&sort=estimated_close_date",
        "?sort=-stage",
        "?sort=description",
    ],
)
def test_the_export_has_the_rows_of_the_list_with_its_filters_in_its_order(
    fx, client, monkeypatch, query
):
    make_opportunities(fx, 20)
    monkeypatch.setattr(OpportunityListView, "paginate_by", 1000)
    shown = list_numbers(client, query)
    assert shown, "the filters choose some rows"
    exported = [row["Number"] for row in records(client.get(EXPORT + query))]
    assert exported == shown


def test_the_page_cursor_of_the_list_does_not_cut_the_export(fx, client):
    make_opportunities(fx, 5)
    last = Opportunity.objects.order_by("pk").first()
    exported = records(client.get(EXPORT + f"?after={last.pk + 3}&page=last&per_page=10&at=11"))
    assert len(exported) == Opportunity.objects.count()


def test_the_entries_export_holds_exactly_the_entries_of_the_filtered_opportunities(fx, client):
    make_opportunities(fx, 10)
    theirs = fx.create_opp_a(salesperson=fx.AH, description="Deal of AH")
    services.update_opportunity(theirs, action=UpdateAction.NEXT, today=fx.today)
    query = "?salesperson=AH&sort=number"
    rows = records(client.get(ENTRIES + query))
    expected = OpportunityEntry.objects.filter(opportunity__salesperson=fx.AH).order_by(
        "opportunity_id", "pk"
    )
    assert [(row["Opportunity"], row["Action taken"]) for row in rows] == [
        (entry.opportunity.number, entry.action_taken) for entry in expected
    ]
    assert {row["Salesperson"] for row in rows} == {"AH"}
    assert rows[0]["Date of change"] == "2024-01-15"
    assert rows[-1]["Active"] == "True"
    assert rows[-1]["Stage"] == "2"
    assert rows[-1]["Previous stage"] == "1"


def test_the_entries_follow_their_opportunities_in_the_list_order(fx, client):
    make_opportunities(fx, 10)
    query = "?sort=-estimated_value&status=open"
    opportunities = [row["Number"] for row in records(client.get(EXPORT + query))]
    entries = [row["Opportunity"] for row in records(client.get(ENTRIES + query))]
    assert list(dict.fromkeys(entries)) == [
        number
        for number in opportunities
        if OpportunityEntry.objects.filter(opportunity__number=number).exists()
    ]
    assert (
        len(entries)
        == OpportunityEntry.objects.filter(
            opportunity__status__in=Opportunity.OPEN_STATUSES
        ).count()
    )


def test_the_contact_and_salesperson_lists_export_their_search(fx, client):
    contacts = records(client.get(CONTACTS + "?q=CT10"))
    assert [(row["Number"], row["Type"], row["Company"], row["Customer"]) for row in contacts] == [
        ("CT100", "company", "", "C10000"),
        ("CT101", "person", "CT100", ""),
    ]
    salespeople = records(client.get(SALESPEOPLE))
    assert [(row["Code"], row["Blocked"]) for row in salespeople] == [
        ("AH", "False"),
        ("BLK", "True"),
        ("JO", "False"),
    ]
    assert records(client.get(SALESPEOPLE + "?q=ortega"))[0]["Name"] == "Jo Ortega"


# --- XLSX ---------------------------------------------------------------------------------------


def test_the_xlsx_file_has_typed_cells(fx, client, opp_a):
    services.close_opportunity(
        opp_a,
        outcome="won",
        close_code=fx.W_PRICE,
        sales_value=Decimal("9000.50"),
        today=datetime.date(2024, 2, 1),
    )
    response = client.get(EXPORT + "?format=xlsx")
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="opportunities-{today}.xlsx"'
    header, row = workbook_rows(response)
    cells = dict(zip(header, row, strict=True))
    assert cells["Number"] == opp_a.number
    assert cells["Estimated value"] == 10000
    assert cells["Current value"] == 9000.5
    assert cells["Creation date"] == datetime.datetime(2024, 1, 15)
    assert cells["Date closed"] == datetime.datetime(2024, 2, 1)
    assert cells["Closed"] is True
    assert cells["Current stage"] is None
    assert cells["Status"] == "won"


def test_the_xlsx_file_neutralises_formulas_and_drops_characters_xml_cannot_hold(fx, client):
    fx.create_opp_a(description="=1+1")
    fx.create_opp_a(description="Bell\x07 inside")
    response = client.get(EXPORT + "?format=xlsx&sort=number")
    book = load_workbook(io.BytesIO(body(response)))
    sheet = book.worksheets[0]
    assert sheet.title == "Opportunities"
    assert sheet["B2"].value == "'=1+1"
    assert sheet["B2"].data_type == "s"
    assert sheet["B3"].value == "Bell inside"


def test_rows_beyond_what_a_sheet_holds_go_on_another_sheet_headed_the_same(
    fx, client, monkeypatch
):
    for index in range(5):
        fx.create_opp_a(description=f"Deal {index}")
    monkeypatch.setattr(formats, "SHEET_ROWS", 3)  # a header and two rows
    book = load_workbook(io.BytesIO(body(client.get(EXPORT + "?format=xlsx&sort=number"))))
    assert book.sheetnames == ["Opportunities", "Opportunities (2)", "Opportunities (3)"]
    sheets = [list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets]
    assert [len(rows) for rows in sheets] == [3, 3, 2]
    assert {rows[0][0] for rows in sheets} == {"Number"}
    assert [row[1] for rows in sheets for row in rows[1:]] == [f"Deal {i}" for i in range(5)]


def test_an_empty_list_exports_its_headers_alone(client):
    header, *rows = csv_rows(client.get(EXPORT))
    assert (header[0], rows) == ("Number", [])
    header, *rows = workbook_rows(client.get(EXPORT + "?format=xlsx"))
    assert (header[0], rows) == ("Number", [])


def test_a_french_user_gets_a_french_sheet(french, opp_a):
    header, _row = workbook_rows(french.get(ENTRIES + "?format=xlsx"))
    assert header[:3] == ("Opportunité", "Cycle de vente", "Étape")


# --- refusals ------------------------------------------------------------------------------------


def test_a_bad_filter_sends_back_to_the_list_with_its_message(client, opp_a):
    response = client.get(EXPORT + "?contact=CT999&format=csv", follow=True)
    assert response.redirect_chain == [(LIST + "?contact=CT999", 302)]
    content = response.content.decode()
    assert "There is no contact with this number." in content
    assert "Nothing was exported: correct the filters first." in content


@pytest.mark.parametrize(
    "query",
    [
        "?closing_from=yesterday",
        "?sort=nonsense",
        "?salesperson=NOBODY",
        "?status=sleeping",
    ],
)
def test_bad_filters_of_every_export_answer_with_the_list_not_an_error(client, query):
    for url in (EXPORT, ENTRIES):
        response = client.get(url + query)
        assert response.status_code == 302
        assert response["Location"].startswith(LIST)
    assert client.get(CONTACTS + "?type=robot")["Location"].startswith(
        reverse("contacts:contact_list")
    )


def test_an_unknown_format_sends_back_to_the_list_with_a_message(client):
    response = client.get(CONTACTS + "?format=pdf&q=x", follow=True)
    assert response.redirect_chain == [(reverse("contacts:contact_list") + "?q=x", 302)]
    assert "Choose CSV or XLSX as the format of the export." in response.content.decode()


# --- who ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [EXPORT, ENTRIES, CONTACTS, SALESPEOPLE])
def test_an_anonymous_user_is_sent_to_the_login(anonymous, url):
    response = anonymous.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("url", [EXPORT, ENTRIES, CONTACTS, SALESPEOPLE])
def test_a_user_without_a_role_may_not_export(db, url):
    client = Client()
    client.force_login(UserFactory(username="nobody"))
    assert client.get(url).status_code == 403


def test_a_salesperson_exports_what_their_list_shows_them(fx, seller_client, monkeypatch):
    make_opportunities(fx, 10)
    fx.create_opp_a(salesperson=fx.AH)
    monkeypatch.setattr(OpportunityListView, "paginate_by", 1000)
    for query in ("?sort=salesperson", "", "?salesperson=&sort=-estimated_value"):
        exported = [row["Number"] for row in records(seller_client.get(EXPORT + query))]
        assert exported == list_numbers(seller_client, query), query


# --- cost ---------------------------------------------------------------------------------------


def queries_of(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        body(client.get(url))
    return len(queries)


@pytest.mark.parametrize(
    "url",
    [
        EXPORT + "?salesperson=JO&sort=-estimated_value",
        EXPORT + "?contact=CT100&format=xlsx",
        ENTRIES + "?status=open&sort=stage",
        CONTACTS,
    ],
)
def test_the_number_of_queries_does_not_grow_with_the_rows(fx, client, url):
    make_opportunities(fx, 5)
    few = queries_of(client, url)
    make_opportunities(fx, 40)
    assert Opportunity.objects.count() > 40
    assert queries_of(client, url) == few


# --- the buttons --------------------------------------------------------------------------------


def test_the_list_offers_the_exports_with_its_current_filters(client, french, opp_a):
    query = "?salesperson=JO&sort=-estimated_value"
    content = client.get(LIST + query + "&page=last").content.decode()
    assert f'href="{EXPORT}?salesperson=JO&amp;sort=-estimated_value&amp;format=csv"' in content
    assert f'href="{EXPORT}?salesperson=JO&amp;sort=-estimated_value&amp;format=xlsx"' in content
    assert f'href="{ENTRIES}?salesperson=JO&amp;sort=-estimated_value&amp;format=csv"' in content
    assert ">Export<" in content
    assert ">Exporter<" in french.get(LIST).content.decode()


def test_the_contact_and_salesperson_lists_offer_their_exports(client, french, fx):
    content = client.get(reverse("contacts:contact_list") + "?q=CT1").content.decode()
    assert f'href="{CONTACTS}?q=CT1&amp;format=xlsx"' in content
    content = french.get(reverse("contacts:salesperson_list")).content.decode()
    assert f'href="{SALESPEOPLE}?format=csv"' in content
    assert "Exporter" in content
