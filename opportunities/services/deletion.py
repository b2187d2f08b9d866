"""Deleting closed opportunities, one at a time or in batches."""

import time
from collections.abc import Callable, Iterator
from typing import Unpack

from django.db import transaction

from opportunities.models import BatchFilters, Opportunity
from opportunities.services.core import lock
from opportunities.services.errors import Refusal

DEFAULT_CHUNK_SIZE = 5000
# A chunk is one transaction: beyond this it would hold its locks for long, and the database
# could not even take a boundary offset as large as a mistyped size.
MAX_CHUNK_SIZE = 100_000


@transaction.atomic
def delete_opportunity(opportunity: Opportunity, *, expected_version: int | None = None) -> None:
    """Delete a closed opportunity with its entries; its quote and order stay."""
    locked = lock(opportunity, expected_version)
    if not locked.closed:
        raise Refusal("not_closed")
    # One statement: the database deletes the entries (DB_CASCADE).
    Opportunity.objects.filter(pk=locked.pk).delete()


def delete_closed_opportunities(
    *,
    dry_run: bool = False,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: Callable[[int], None] | None = None,
    **filters: Unpack[BatchFilters],
) -> int:
    """Delete the closed opportunities matching the filters, with their entries.

    The filters are `BatchFilters` (number_from, number_to, date_closed_from, date_closed_to,
    salesperson, contact, sales_cycle); open opportunities are never selected. The work is done
    in chunks of `chunk_size`, each in its own short transaction (one SELECT of the chunk's
    keys, one DELETE), so no lock is held for long, memory stays flat, and an interrupted run
    is resumed by running it again.
    `progress` is called with the running total after every chunk.
    """
    check_chunk_size(chunk_size)
    queryset = Opportunity.objects.closed().matching(**filters)
    if dry_run:
        return queryset.count()
    deleted = 0
    for count, _last in _delete_in_chunks(queryset, chunk_size):
        deleted += count
        if progress is not None:
            progress(deleted)
    return deleted


def delete_closed_opportunities_for_a_while(
    *,
    seconds: float,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    **filters: Unpack[BatchFilters],
) -> tuple[int, bool]:
    """Delete as `delete_closed_opportunities` does, for about `seconds`: (deleted, finished).

    It stops after the first chunk that ends past the time budget, so a web request never runs
    into its timeout; running it again with the same filters goes on where it stopped, since
    only closed opportunities that are still there match.
    """
    check_chunk_size(chunk_size)
    queryset = Opportunity.objects.closed().matching(**filters)
    deadline = time.monotonic() + seconds
    deleted = 0
    for count, last in _delete_in_chunks(queryset, chunk_size):
        deleted += count
        if last:
            return deleted, True
        if time.monotonic() >= deadline:
            return deleted, False
    return deleted, True


def delete_closed_opportunities_in_chunks(
    *,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    start_after: str = "",
    in_chunk: Callable[[int, str | None], None] | None = None,
    **filters: Unpack[BatchFilters],
) -> Iterator[int]:
    """Delete as `delete_closed_opportunities` does, yielding each chunk's count once committed.

    For a job that resumes: only numbers after `start_after` are read, and `in_chunk(count,
    last_number)` runs inside each chunk's transaction, after its DELETE (`last_number` is None
    for the last chunk, which has no upper bound). What it writes commits with the chunk, or
    rolls back with it when it raises, so a job's progress never differs from what was deleted.
    """
    check_chunk_size(chunk_size)
    queryset = Opportunity.objects.closed().matching(**filters)
    for count, _last in _delete_in_chunks(
        queryset, chunk_size, start_after=start_after, in_chunk=in_chunk
    ):
        yield count


def check_chunk_size(chunk_size: int) -> None:
    """A programming error, before anything is deleted: callers check what users type."""
    if not 1 <= chunk_size <= MAX_CHUNK_SIZE:
        raise ValueError(f"The chunk size must be between 1 and {MAX_CHUNK_SIZE}: {chunk_size}.")


def _delete_in_chunks(
    queryset,
    chunk_size: int,
    *,
    start_after: str = "",
    in_chunk: Callable[[int, str | None], None] | None = None,
) -> Iterator[tuple[int, bool]]:
    """Delete the queryset's rows in number order, a chunk per transaction: (count, last chunk).

    Chunks follow the number, not the id: a number range (the usual filter) then starts
    reading at its first number through the number's index, where an id order would first
    walk past every older opportunity.
    """
    last_number = start_after
    while True:
        remaining = queryset.filter(number__gt=last_number).order_by("number")
        # The chunk's upper key and the key after it (at most two values read, whatever the
        # chunk size): without a key after it this is the last chunk, so a selection of an
        # exact multiple of the chunk size does not end with an empty DELETE.
        keys = list(remaining.values_list("number", flat=True)[chunk_size - 1 : chunk_size + 1])
        last_chunk = len(keys) < 2
        chunk = remaining if last_chunk else remaining.filter(number__lte=keys[0])
        with transaction.atomic():
            # The filters are applied again in the DELETE itself, so a row that changed since the
            # boundary was read is judged on its state now. The database deletes the entries.
            count, _ = chunk.order_by().delete()
            if in_chunk is not None:
                in_chunk(count, None if last_chunk else keys[0])
        yield count, last_chunk
        if last_chunk:
            return
        last_number = keys[0]
