"""Cursor pagination for the opportunity list: the list page's keyset pages.

A page is "the rows after (or before) this one" in the chosen order, found through the index
on (sort key, id) and never by OFFSET, so the last page costs what the first does
(`opportunities.filters.keyset_page`). The cursor is opaque to clients: the direction, the
order it was made for and the row's place, in URL-safe base64. A cursor that was not made here,
or for another order, answers 404, like DRF's own cursor pagination.
"""

import base64
import binascii

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination
from rest_framework.utils.urls import remove_query_param, replace_query_param

from opportunities.filters import BadCursor, KeysetPage, keyset_page

CURSOR = "cursor"
PAGE_SIZE = "page_size"
DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100

AFTER, BEFORE, LAST = "a", "b", "l"


def encode(direction: str, sort: str, position: str = "") -> str:
    text = f"{direction}|{sort}|{position}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode(cursor: str, sort: str) -> tuple[str, str]:
    """(direction, position) of a cursor made for `sort`."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        text = base64.urlsafe_b64decode(padded.encode("ascii")).decode()
    except (binascii.Error, UnicodeError, ValueError) as error:
        raise invalid_cursor() from error
    direction, _separator, rest = text.partition("|")
    cursor_sort, _separator, position = rest.partition("|")
    if direction not in (AFTER, BEFORE, LAST) or cursor_sort != sort:
        raise invalid_cursor()
    if direction != LAST and not position:
        raise invalid_cursor()
    return direction, position


def invalid_cursor() -> NotFound:
    return NotFound(_("There is no such page."), code="invalid_cursor")


def page_size(request) -> int:
    text = request.query_params.get(PAGE_SIZE)
    try:
        size = int(text) if text else DEFAULT_PAGE_SIZE
    except ValueError:
        size = DEFAULT_PAGE_SIZE
    return min(max(size, 1), MAX_PAGE_SIZE)


def paginate(request, queryset, sort: str) -> KeysetPage:
    """The page the request's cursor points to (the first page without one)."""
    size = page_size(request)
    cursor = request.query_params.get(CURSOR)
    arguments = {}
    if cursor:
        direction, position = decode(cursor, sort)
        if direction == AFTER:
            arguments["after_cursor"] = position
        elif direction == BEFORE:
            arguments["before_cursor"] = position
        else:
            arguments["last"] = True
    try:
        return keyset_page(queryset, sort, per_page=size, **arguments)
    except BadCursor as error:
        raise invalid_cursor() from error


def links(request, page: KeysetPage, sort: str) -> dict[str, str | None]:
    url = request.build_absolute_uri()

    def link(cursor: str) -> str:
        return replace_query_param(url, CURSOR, cursor)

    return {
        "next": link(encode(AFTER, sort, page.next_cursor)) if page.has_next else None,
        "previous": (
            link(encode(BEFORE, sort, page.previous_cursor)) if page.has_previous else None
        ),
        "first": remove_query_param(url, CURSOR) if page.has_previous else None,
        "last": link(encode(LAST, sort)) if page.has_next else None,
    }


class SetupPagination(CursorPagination):
    """Setup data (contacts, salespeople...): DRF's cursor pages, in the order of their code."""

    page_size = 50
    page_size_query_param = PAGE_SIZE
    max_page_size = MAX_PAGE_SIZE

    def get_ordering(self, request, queryset, view):
        return (view.ordering,)  # a unique column: the natural key
