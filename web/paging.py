"""How every list pages: keyset pages of 10, 25, 50 or 100 rows, a count that stops at
`COUNT_CAP`, and where the page is ("26-50 of 10,000+").

Keyset pages do not know their position, so the page links carry it (`?at=26`, the first row's
position); a page that can work it out itself (the first one, the last one when the count is
exact, the start reached going back) does, and a position typed by hand only changes the words
under the table, never the rows.
"""

from dataclasses import dataclass

from django.http import Http404
from django.utils.translation import gettext as _

from opportunities.filters import (
    COUNT_CAP,
    BadCursor,
    KeysetPage,
    capped_count,
    keyset_page,
)
from web.shortcuts import ResultsPartialMixin

PAGE_SIZES = (10, 25, 50, 100)
# The query parameters that say which page: a link to another page changes only these.
PAGE_KEYS = ("page", "after", "before", "at")
# Positions beyond any table's size are typed by hand: ignored.
MAX_POSITION = 10**12


def page_size(query, default: int) -> int:
    """The chosen rows per page, one of PAGE_SIZES; anything else is the list's default."""
    text = query.get("per_page", "")
    return int(text) if text in {str(size) for size in PAGE_SIZES} else default


def _position(text: str | None) -> int | None:
    if not text or not text.isascii() or not text.isdigit():
        return None
    value = int(text)
    return value if 1 <= value <= MAX_POSITION else None


@dataclass
class Place:
    """Where a page is in its list: the first row's position (None when it cannot be known),
    its rows, and the count (stopped at the cap)."""

    rows: int
    count: int
    capped: bool
    first: int | None
    per_page: int
    is_last: bool

    @property
    def last(self) -> int | None:
        return None if self.first is None else self.first + self.rows - 1

    @property
    def next_at(self) -> int | None:
        return None if self.first is None else self.first + self.rows

    @property
    def previous_at(self) -> int | None:
        return None if self.first is None else max(1, self.first - self.per_page)


def place_of(
    page: KeysetPage,
    *,
    count: int,
    cap: int,
    per_page: int,
    at: str | None,
    forward: bool,
    backward: bool,
    last: bool,
) -> Place:
    """The page's place: worked out where the page itself tells, else the position its link
    carried (`at`), kept within what the count allows."""
    rows = len(page.rows)
    exact = count <= cap
    first = None
    if rows:
        at_end = last or (forward and not page.has_next)
        if (not forward and not backward and not last) or (backward and not page.has_previous):
            first = 1  # the first page, or going back reached it
        elif at_end and exact:
            first = count - rows + 1
        elif not last:
            first = _position(at)
        if first is not None and exact:  # a typed position stays where the page can be
            highest = count - rows + (0 if page.has_next else 1)
            first = max(2 if page.has_previous else 1, min(first, highest))
    return Place(
        rows=rows,
        count=min(count, cap),
        capped=not exact,
        first=first,
        per_page=per_page,
        is_last=last or (rows > 0 and not page.has_next),
    )


class KeysetPagingMixin:
    """A list view (ListView or FilterView) that pages by keyset through `sorts` (sort key ->
    (expression, cursor parser), as `opportunities.filters.SORTS`), `per_page` rows chosen
    from PAGE_SIZES, one query for the rows and one capped count."""

    paginate_by = 25
    count_cap = COUNT_CAP
    sorts: dict
    default_sort: str

    def sort_key(self) -> str:
        return self.default_sort

    def page_queryset(self, queryset):
        """The rows' query as the page reads it (select_related, only): the count does not
        need it."""
        return queryset

    def get_paginate_by(self, queryset):
        return page_size(self.request.GET, self.paginate_by)

    def paginate_queryset(self, queryset, page_size):
        query = self.request.GET
        page = query.get("page")
        if page not in (None, "", "1", "last"):
            raise Http404(_("There is no such page."))
        after, before = query.get("after") or None, query.get("before") or None
        try:
            found = keyset_page(
                self.page_queryset(queryset),
                self.sort_key(),
                per_page=page_size,
                after_cursor=after,
                before_cursor=before,
                last=page == "last",
                sorts=self.sorts,
            )
        except BadCursor as error:
            raise Http404(_("There is no such page.")) from error
        self.place = place_of(
            found,
            count=capped_count(queryset, self.count_cap),
            cap=self.count_cap,
            per_page=page_size,
            at=query.get("at"),
            forward=after is not None and page != "last",
            backward=before is not None and after is None and page != "last",
            last=page == "last",
        )
        return None, found, found.rows, found.has_previous or found.has_next

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET
        per_page = self.get_paginate_by(None)
        context |= {
            "place": self.place,
            # How many rows match (stopped at the cap, then `total_capped`).
            "total": self.place.count,
            "total_capped": self.place.capped,
            "per_page": per_page,
            "page_sizes": PAGE_SIZES,
            # The per-page choice keeps every filter and the sort, and starts at the first page.
            "kept_query": [
                (name, value)
                for name, values in query.lists()
                if name not in (*PAGE_KEYS, "per_page")
                for value in values
            ],
            # Lists with a `results` partial (web.shortcuts.ResultsPartialMixin) turn pages
            # in place with htmx; the others load the page.
            "pages_in_place": isinstance(self, ResultsPartialMixin),
            # Kept by the filter pane's form too (a hidden field), when chosen.
            "per_page_chosen": query.get("per_page") == str(per_page),
        }
        return context
