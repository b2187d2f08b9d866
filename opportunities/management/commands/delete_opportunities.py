"""The batch job "Delete opportunities" (SPEC 3.6) from the command line."""

import datetime
import time

from django.core.management.base import BaseCommand, CommandError

from contacts.models import Contact, Salesperson
from opportunities import services
from opportunities.services.deletion import DEFAULT_CHUNK_SIZE
from salescycles.models import SalesCycle


def iso_date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date: use YYYY-MM-DD.") from None


class Command(BaseCommand):
    help = (
        "Delete closed (won or lost) opportunities and their entries, optionally filtered. "
        "Open opportunities are never deleted. Work is done in short chunks; an interrupted run "
        "is resumed by running it again."
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
            "--dry-run", action="store_true", help="Count what would be deleted; delete nothing."
        )
        parser.add_argument(
            "--chunk-size",
            type=int,
            default=DEFAULT_CHUNK_SIZE,
            help=f"Opportunities per transaction (default {DEFAULT_CHUNK_SIZE}).",
        )

    def handle(self, *args, **options):
        filters = {
            "number_from": options["number_from"],
            "number_to": options["number_to"],
            "date_closed_from": options["closed_from"] and iso_date(options["closed_from"]),
            "date_closed_to": options["closed_to"] and iso_date(options["closed_to"]),
            "salesperson": self._lookup(Salesperson, "code", options["salesperson"], upper=True),
            "contact": self._lookup(Contact, "number", options["contact"]),
            "sales_cycle": self._lookup(SalesCycle, "code", options["sales_cycle"], upper=True),
        }
        if options["chunk_size"] < 1:
            raise CommandError("--chunk-size must be at least 1.")
        if options["dry_run"]:
            count = services.delete_closed_opportunities(**filters, dry_run=True)
            self.stdout.write(f"Would delete {count} closed opportunities (dry run).")
            return
        total = services.delete_closed_opportunities(**filters, dry_run=True)
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

    @staticmethod
    def _lookup(model, field: str, value: str | None, *, upper: bool = False):
        if not value:
            return None
        value = value.upper() if upper else value
        try:
            return model.objects.get(**{field: value})
        except model.DoesNotExist:
            raise CommandError(f"No {model._meta.verbose_name} with {field} {value!r}.") from None
