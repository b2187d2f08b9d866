"""The export buttons' downloads: the rows of a list as its filters choose them, every row.

Each export builds its list's FilterSet as the list view itself does for the same request (its
query string, and whatever the view adds, such as a salesperson's own opportunities by
default), so that one place decides which rows a list shows and an export writes; it needs the
list's permission. A filter the list refuses (or a format that is neither CSV nor XLSX) sends
the user back to the list, which shows why, and exports nothing.

The rows are read a few thousand at a time and written as they come (`exports.formats`). On
PostgreSQL, the list's query runs in a server-side cursor of Django's (the SQL of the
QuerySet, as `QuerySet.iterator` would run it) inside one transaction, so that the cursor
streams instead of being materialised by the server first (a cursor that outlives its
transaction must be), and the file is one snapshot. SQLite takes its write lock for a
transaction (IMMEDIATE mode): there the rows come from `QuerySet.iterator` without one.
"""

from collections.abc import Iterator

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.db import connection, transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views import View
from psycopg.types.string import TextLoader

from contacts.views import ContactListView, SalespersonListView
from exports import formats, tables
from opportunities.filters import sorted_rows
from opportunities.views.lists import OpportunityListView

# PostgreSQL's types read as text for the CSV (the cursor's own loaders, nobody else's).
TEXT_TYPES = ("numeric", "date", "int2", "int4", "int8")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def read(rows: QuerySet, *, as_text: bool = False) -> Iterator[tuple]:
    """Every row of `rows`, a fetch at a time; with `as_text`, numbers and dates as text."""
    if connection.vendor != "postgresql":
        yield from rows.iterator(chunk_size=tables.ROWS_PER_FETCH)
        return
    sql, params = rows.query.sql_with_params()
    with transaction.atomic():
        with connection.cursor() as cursor:
            # Every row is read: the plan that gives all of them soonest (hash joins and a
            # sort), not the one that gives the first ones soonest (nested loops).
            cursor.execute("SET LOCAL cursor_tuple_fraction = 1")
            cursor.execute("SET LOCAL DateStyle = 'ISO'")
        with connection.chunked_cursor() as cursor:
            if as_text:
                # The CSV writes a number or a date as the database writes it (a decimal point,
                # ISO dates): read as text, no Decimal or date is made only to be written back.
                for type_name in TEXT_TYPES:
                    cursor.cursor.adapters.register_loader(type_name, TextLoader)
            cursor.execute(sql, params)
            while chunk := cursor.fetchmany(tables.ROWS_PER_FETCH):
                yield from chunk


def export_response(table: tables.Table, rows: QuerySet, file_format: str) -> HttpResponse:
    """The file of `rows`, streamed, named after the table and today's date."""
    # Read in the view, in the user's language: the body is written after the view returns.
    headers = table.headers()
    if file_format == "xlsx":
        body = formats.xlsx_chunks(
            headers,
            read(rows),
            text_columns=table.text_columns,
            sheet_title=formats.sheet_title(table.title),
        )
    else:
        body = formats.csv_chunks(
            headers, read(rows, as_text=True), text_columns=table.text_columns
        )
    name = f"{table.slug}-{timezone.localdate().isoformat()}.{file_format}"
    response = StreamingHttpResponse(body, content_type=CONTENT_TYPES[file_format])
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["Cache-Control"] = "private, no-store"
    return response


class ListExport(PermissionRequiredMixin, View):
    """The export of one list: its view (whose FilterSet, with the view's own defaults, decides
    the rows, and whose sort their order), the rows to write, and the list to go back to."""

    list_view: type
    list_url_name: str
    table: tables.Table

    def list_of(self, request: HttpRequest):
        """The list view as it is set up for this request, its FilterSet built as the list
        builds it (`FilterMixin.get_filterset`)."""
        view = self.list_view()
        view.setup(request)
        view.filterset = view.get_filterset(view.get_filterset_class())
        return view

    def rows(self, view) -> QuerySet:
        """Every row of the list, in its order (`KeysetPagingMixin`: `sorts`, `sort_key`)."""
        return self.table.rows(sorted_rows(view.filterset.qs, view.sort_key(), view.sorts))

    def get(self, request: HttpRequest) -> HttpResponse:
        file_format = request.GET.get("format") or "csv"
        if file_format not in CONTENT_TYPES:
            messages.error(request, _("Choose CSV or XLSX as the format of the export."))
            return self.back_to_list(request)
        view = self.list_of(request)
        filterset = view.filterset
        if filterset.is_bound and not filterset.is_valid():  # unbound: every row (FilterView)
            messages.error(request, _("Nothing was exported: correct the filters first."))
            return self.back_to_list(request)
        return export_response(self.table, self.rows(view), file_format)

    def back_to_list(self, request: HttpRequest) -> HttpResponse:
        query = request.GET.copy()
        query.pop("format", None)
        url = reverse(self.list_url_name)
        return HttpResponseRedirect(f"{url}?{query.urlencode()}" if query else url)


class OpportunityExport(ListExport):
    """The opportunity list with its filters and sort: every row, not just a page."""

    permission_required = "opportunities.view_opportunity"
    list_view = OpportunityListView
    list_url_name = "opportunities:list"
    table = tables.OPPORTUNITIES


class EntryExport(OpportunityExport):
    """The entries of the opportunities the list's filters choose."""

    permission_required = (
        "opportunities.view_opportunity",
        "opportunities.view_opportunityentry",
    )
    table = tables.ENTRIES

    def rows(self, view) -> QuerySet:
        return tables.entry_rows(view.filterset.qs, view.sort_key(), view.sorts)


class ContactExport(ListExport):
    permission_required = "contacts.view_contact"
    list_view = ContactListView
    list_url_name = "contacts:contact_list"
    table = tables.CONTACTS


class SalespersonExport(ListExport):
    permission_required = "contacts.view_salesperson"
    list_view = SalespersonListView
    list_url_name = "contacts:salesperson_list"
    table = tables.SALESPEOPLE
