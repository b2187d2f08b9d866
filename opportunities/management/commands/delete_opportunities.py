"""The batch job "Delete opportunities" from the command line."""

import argparse
import datetime
import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from contacts.models import Contact, Salesperson
from jobs import services as jobs
from opportunities import services
from opportunities.models import Opportunity
from opportunities.services.deletion import DEFAULT_CHUNK_SIZE, MAX_CHUNK_SIZE
from salescycles.models import SalesCycle

# The filter options, by their destination: each narrows the selection.
FILTERS = {
    "number_from": "--number-from",
    "number_to": "--number-to",
    "closed_from": "--closed-from",
    "closed_to": "--closed-to",
    "salesperson": "--salesperson",
    "contact": "--contact",
    "sales_cycle": "--sales-cycle",
}


def iso_date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date: use YYYY-MM-DD.") from None


def chunk_size(value: str) -> int:
    try:
        size = int(value)
    except ValueError:
        size = None
    if size is None or not 1 <= size <= MAX_CHUNK_SIZE:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a whole number from 1 to {MAX_CHUNK_SIZE}."
        )
    return size


class Command(BaseCommand):
    help = (
        "Delete closed (won or lost) opportunities and their entries, selected by filters, or "
        "all of them with --all. Open opportunities are never deleted. Work is done in short "
        "chunks; an interrupted run is resumed by running it again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--number-from", help="Lowest opportunity number, e.g. OP000001.")
        parser.add_argument("--number-to", help="Highest opportunity number.")
        parser.add_argument("--closed-from", help="Closed on or after this date (YYYY-MM-DD).")
        parser.add_argument("--closed-to", help="Closed on or before this date (YYYY-MM-DD).")
        parser.add_argument("--salesperson", help="Salesperson code.")
        parser.add_argument("--contact", help="Contact number.")
        parser.add_argument("--sales-cycle", help="Sales cycle code.")
        parser.add_argument(
            "--all",
            action="store_true",
            help="Without any filter: every closed opportunity. Required to delete them all.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be deleted; delete nothing."
        )
        parser.add_argument(
            "--background",
            action="store_true",
            help=(
                "Queue the deletion as a job for a worker (manage.py jobs_worker) and return at "
                "once; its progress and result are on the job's page, under Recent jobs."
            ),
        )
        parser.add_argument(
            "--chunk-size",
            type=chunk_size,
            default=DEFAULT_CHUNK_SIZE,
            help=(
                f"Opportunities per transaction, 1 to {MAX_CHUNK_SIZE} "
                f"(default {DEFAULT_CHUNK_SIZE})."
            ),
        )

    def handle(self, *args, **options):
        filters = self._filters(options)
        selected = Opportunity.objects.closed().matching(**filters)
        if options["background"]:
            self._enqueue(filters, options)
            return
        if options["dry_run"]:
            self.stdout.write(f"Would delete {selected.count()} closed opportunities (dry run).")
            return
        total = selected.count()
        started = time.monotonic()

        def progress(deleted: int) -> None:
            elapsed = max(time.monotonic() - started, 1e-6)
            self.stdout.write(
                f"  {deleted:,} of {total:,} deleted ({deleted / elapsed:,.0f} per second)"
            )

        deleted = services.delete_closed_opportunities(
            **filters,
            chunk_size=options["chunk_size"],
            progress=progress if options["verbosity"] >= 1 and total else None,
        )
        self.stdout.write(self.style.SUCCESS(f"Deleted {deleted} closed opportunities."))

    def _enqueue(self, filters: dict, options) -> None:
        try:
            job = jobs.enqueue_deletion(
                user=None,
                filters=filters,
                all_closed=options["all"],
                dry_run=options["dry_run"],
                chunk_size=options["chunk_size"],
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        what = "count" if options["dry_run"] else "deletion"
        self.stdout.write(
            self.style.SUCCESS(f"Queued the {what} as job #{job.pk}.")
            + f" A worker runs it (manage.py jobs_worker); its page: {job.get_absolute_url()}"
        )

    def _filters(self, options) -> dict:
        """The service's filters (those of `Opportunity.objects.matching`); every operator
        mistake is a CommandError, before any deletion.

        An option given with an empty value (`--closed-to "$CUTOFF"` with CUTOFF unset) would
        otherwise drop its filter and widen the selection, so it is refused; deleting without
        any filter must be asked for with --all.
        """
        given = {}
        for name, option in FILTERS.items():
            if options[name] is None:
                continue
            value = options[name].strip()
            if not value:
                raise CommandError(f"{option} is empty: give it a value, or leave it out.")
            given[name] = value
        if options["all"] and given:
            raise CommandError(
                "--all selects every closed opportunity: give either --all or filters, not both."
            )
        if not options["all"] and not given:
            raise CommandError(
                "No filter given: to delete every closed opportunity, say so with --all."
            )
        # Numbers are stored in upper case: a lower-case bound would sort after all of them.
        number_from = given.get("number_from", "").upper()
        number_to = given.get("number_to", "").upper()
        return {
            "number_from": number_from or None,
            "number_to": number_to or None,
            "date_closed_from": self._date(given.get("closed_from")),
            "date_closed_to": self._date(given.get("closed_to")),
            "salesperson": self._lookup(Salesperson, "code", given.get("salesperson"), upper=True),
            "contact": self._lookup(Contact, "number", given.get("contact")),
            "sales_cycle": self._lookup(SalesCycle, "code", given.get("sales_cycle"), upper=True),
        }

    @staticmethod
    def _date(value: str | None) -> datetime.date | None:
        return None if value is None else iso_date(value)

    @staticmethod
    def _lookup(model, field: str, value: str | None, *, upper: bool = False):
        if value is None:
            return None
        value = value.upper() if upper else value
        try:
            return model.objects.get(**{field: value})
        except model.DoesNotExist:
            raise CommandError(f"No {model._meta.verbose_name} with {field} {value!r}.") from None
