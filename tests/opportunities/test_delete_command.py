"""The management command `delete_opportunities`, a thin wrapper of the batch job: it deletes
the closed opportunities its filters select (or all of them, asked for by name), and refuses
anything it cannot read before it deletes anything."""

import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from opportunities import services
from opportunities.models import Opportunity, OpportunityEntry

D = datetime.date


@pytest.fixture
def batch(fx):
    """OP1 won by JO closed 2024-01-31, OP2 lost by AH closed 2024-02-10 (for CT200), OP3 in
    progress by JO."""
    op1 = fx.create_opp_a(description="OP1")
    services.close_opportunity(
        op1, outcome="won", close_code=fx.W_PRICE, sales_value=Decimal(9000), today=D(2024, 1, 31)
    )
    op2 = fx.create_opp_a(description="OP2", salesperson=fx.AH, contact=fx.CT200)
    services.close_opportunity(op2, outcome="lost", close_code=fx.L_COMP, today=D(2024, 2, 10))
    op3 = fx.create_opp_a(description="OP3")
    return op1, op2, op3


def run(*arguments) -> str:
    out = StringIO()
    call_command("delete_opportunities", *arguments, stdout=out, stderr=StringIO())
    return out.getvalue()


def last_line(output: str) -> str:
    return output.strip().splitlines()[-1]


def remaining() -> set[str]:
    return set(Opportunity.objects.values_list("description", flat=True))


def untouched() -> bool:
    return remaining() == {"OP1", "OP2", "OP3"} and OpportunityEntry.objects.count() == 5


def test_with_all_it_deletes_every_closed_opportunity(batch):
    assert last_line(run("--all")) == "Deleted 2 closed opportunities."
    assert remaining() == {"OP3"}
    assert set(OpportunityEntry.objects.values_list("opportunity_id", flat=True)) == {batch[2].pk}


@pytest.mark.parametrize("arguments", [(), ("--dry-run",), ("--chunk-size", "10")])
def test_without_a_filter_and_without_all_it_refuses_and_deletes_nothing(batch, arguments):
    with pytest.raises(CommandError, match="--all"):
        run(*arguments)
    assert untouched()


@pytest.mark.parametrize(
    "arguments",
    [
        ("--salesperson", "JO"),
        ("--closed-to", "2024-12-31"),
        ("--number-from", "OP000001"),
    ],
)
def test_all_together_with_a_filter_is_an_error_and_deletes_nothing(batch, arguments):
    with pytest.raises(CommandError, match="--all"):
        run("--all", *arguments)
    assert untouched()


@pytest.mark.parametrize(
    "option",
    [
        "--closed-from",
        "--closed-to",
        "--salesperson",
        "--contact",
        "--sales-cycle",
        "--number-from",
        "--number-to",
    ],
)
@pytest.mark.parametrize("value", ["", "   "])
def test_an_empty_or_blank_filter_is_an_error_and_deletes_nothing(batch, option, value):
    """A script running `--closed-to "$CUTOFF"` with CUTOFF unset must not delete everything."""
    with pytest.raises(CommandError, match=f"{option} is empty"):
        run(f"{option}={value}")
    with pytest.raises(CommandError, match=f"{option} is empty"):
        run(option, value)
    with pytest.raises(CommandError, match=f"{option} is empty"):
        run("--all", option, value)
    assert untouched()


def test_an_empty_filter_is_an_error_even_beside_another_filter(batch):
    with pytest.raises(CommandError, match="--closed-to is empty"):
        run("--salesperson", "JO", "--closed-to", "")
    assert untouched()


def test_numbers_are_read_in_upper_case_as_the_web_form_does(batch):
    """In binary (C) order "OP000002" sorts before "op000001": a lower-case bound would select
    every number."""
    op1, _, _ = batch
    assert last_line(run("--number-to", op1.number.lower())) == "Deleted 1 closed opportunities."
    assert remaining() == {"OP2", "OP3"}
    assert last_line(run("--number-from", " op000002 ", "--dry-run")) == (
        "Would delete 1 closed opportunities (dry run)."
    )


@pytest.mark.parametrize("size", ["0", "-5", "100001", "100000000000000000000000", "ten", ""])
def test_an_out_of_range_chunk_size_is_an_error_and_deletes_nothing(batch, size):
    with pytest.raises(CommandError, match="chunk-size"):
        run("--all", "--chunk-size", size)
    assert untouched()


def test_the_largest_chunk_size_is_accepted(batch):
    assert last_line(run("--all", "--chunk-size", "100000")) == "Deleted 2 closed opportunities."
    assert remaining() == {"OP3"}


def test_a_dry_run_prints_the_count_and_deletes_nothing(batch):
    output = run("--dry-run", "--all")
    assert last_line(output) == "Would delete 2 closed opportunities (dry run)."
    assert remaining() == {"OP1", "OP2", "OP3"}
    assert OpportunityEntry.objects.count() == 2 + 2 + 1


def test_a_dry_run_with_a_filter_counts_the_selection(batch):
    assert last_line(run("--dry-run", "--salesperson", "AH")) == (
        "Would delete 1 closed opportunities (dry run)."
    )


def test_salesperson_filter(batch):
    assert last_line(run("--salesperson", "JO")) == "Deleted 1 closed opportunities."
    assert remaining() == {"OP2", "OP3"}


def test_date_closed_filter(batch):
    output = run("--closed-from", "2024-02-01", "--closed-to", "2024-02-29")
    assert last_line(output) == "Deleted 1 closed opportunities."
    assert remaining() == {"OP1", "OP3"}


def test_number_range_filter(batch):
    op1, op2, _ = batch
    assert last_line(run("--number-from", op2.number, "--number-to", op2.number)) == (
        "Deleted 1 closed opportunities."
    )
    assert remaining() == {"OP1", "OP3"}
    assert last_line(run("--number-to", op1.number)) == "Deleted 1 closed opportunities."
    assert remaining() == {"OP3"}


def test_contact_filter(fx, batch):
    assert last_line(run("--contact", "CT200")) == "Deleted 1 closed opportunities."
    assert remaining() == {"OP1", "OP3"}


def test_sales_cycle_filter(fx, batch):
    assert last_line(run("--sales-cycle", "STD")) == "Deleted 2 closed opportunities."
    assert remaining() == {"OP3"}


def test_chunk_size_deletes_everything_in_small_chunks(fx, batch):
    for _ in range(3):
        opportunity = fx.create_opp_a(description="More")
        services.close_opportunity(
            opportunity, outcome="lost", close_code=fx.L_PRICE, today=D(2024, 1, 20)
        )
    assert last_line(run("--all", "--chunk-size", "2")) == "Deleted 5 closed opportunities."
    assert remaining() == {"OP3"}


def test_nothing_to_delete_says_zero(fx):
    fx.create_opp_a()
    assert last_line(run("--all")) == "Deleted 0 closed opportunities."
    assert Opportunity.objects.count() == 1


@pytest.mark.parametrize(
    "arguments",
    [
        ("--salesperson", "NOBODY"),
        ("--contact", "CT999"),
        ("--sales-cycle", "NONE"),
        ("--closed-from", "31/01/2024"),
        ("--closed-to", "2024-02-30"),
        ("--closed-from", "yesterday"),
    ],
)
def test_an_unknown_code_or_a_malformed_date_is_an_error_and_deletes_nothing(batch, arguments):
    with pytest.raises(CommandError):
        run(*arguments)
    assert untouched()


def test_an_unknown_code_is_an_error_even_in_a_dry_run(batch):
    with pytest.raises(CommandError, match="NOBODY"):
        run("--dry-run", "--salesperson", "NOBODY")
