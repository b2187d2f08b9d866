"""The benchmark's generator: rows given by column name and checked against the models, and a
data set that keeps the rules the services keep."""

import datetime

import pytest
from django.db import connection

from bench import generate
from contacts.models import Contact
from opportunities.ledger import ledger_problems
from opportunities.models import Opportunity, OpportunityEntry, Quote, SalesOrder
from salescycles import demo

TODAY = datetime.date(2026, 12, 1)
CUSTOMER = {"id": 3, "number": "CU000003", "name": "Adatum", "contact_id": 7}


def test_a_row_is_written_in_the_order_of_the_models_columns():
    table = generate.Table("contacts.Customer")

    assert table.columns == ("id", "number", "name", "contact_id")
    assert table.row(dict(reversed(CUSTOMER.items()))) == (3, "CU000003", "Adatum", 7)


def test_a_row_without_a_column_raises_with_the_columns_name():
    table = generate.Table("contacts.Customer")
    without = {name: value for name, value in CUSTOMER.items() if name != "contact_id"}

    with pytest.raises(generate.ColumnMismatch, match=r"no value for the columns \['contact_id'\]"):
        table.row(without)
    with pytest.raises(
        generate.ColumnMismatch, match=r"\['contact_id'\]; not columns: \['contact'\]"
    ):
        table.row(without | {"contact": 7})


def test_a_row_with_a_name_that_is_no_column_raises_with_that_name():
    table = generate.Table("contacts.Customer")

    with pytest.raises(
        generate.ColumnMismatch, match=r"no value for the columns \[\]; not columns: \['vat'\]"
    ):
        table.row(CUSTOMER | {"vat": "FR1"})


@pytest.fixture
def dataset(db) -> generate.Dataset:
    """A small data set, inserted through Django's connection (the test rolls it back)."""
    dataset = generate.Dataset(400, today=TODAY, vendor=connection.vendor)
    rows = dict(dataset.setup_rows())
    for batch in dataset.batches(batch_size=100):
        for label, more in batch.rows.items():
            rows[label] = rows.get(label, []) + more
    with connection.cursor() as cursor:
        for label, table_rows in rows.items():
            table = dataset.tables[label]
            columns = ", ".join(f'"{column}"' for column in table.columns)
            marks = ", ".join(["%s"] * len(table.columns))
            cursor.executemany(
                f'INSERT INTO "{table.name}" ({columns}) VALUES ({marks})', table_rows
            )
    return dataset


def test_the_generated_ledgers_are_consistent(dataset):
    assert Opportunity.objects.count() == 400
    assert set(Opportunity.objects.values_list("status", flat=True)) == {
        "not_started",
        "in_progress",
        "won",
        "lost",
    }
    assert OpportunityEntry.objects.count() > 8 * 360
    assert ledger_problems() == []


def test_the_generated_data_uses_the_demo_cycles_and_quotes_only_for_companies(dataset):
    used = set(Opportunity.objects.values_list("sales_cycle__code", flat=True))
    assert used == {demo.STD.code, demo.LARGE.code, demo.QUICK.code}
    assert Quote.objects.exists() and SalesOrder.objects.exists()
    assert not Quote.objects.exclude(contact__type=Contact.Type.COMPANY).exists()
    persons = Opportunity.objects.filter(contact__type=Contact.Type.PERSON)
    assert persons.filter(sales_cycle__code=demo.STD.code).exists()
    assert not persons.filter(entries__stage__quote_required=True).exists()
    assert not persons.filter(quote__isnull=False).exists()
