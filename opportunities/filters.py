"""The opportunity list's filters, sorting, keyset pagination and capped count.

Every filter and sort key is whitelisted here. Pages are found by keyset ("the rows after this
one"), never by OFFSET, so the last page costs what the first does: the cursor is the sort
value and the id of a row, compared as a row value `(key, id) < (value, id)` that an index on
(key, id) can serve. The count stops at `COUNT_CAP`; the page shows "10,000+" beyond it.
"""

import copy
import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import ClassVar

import django_filters
from django import forms
from django.db.models import F, Q, QuerySet, Value
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from django.db.models.functions import Coalesce
from django.http import QueryDict
from django.utils.choices import BaseChoiceIterator
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from contacts.pickers import ContactField, Picker, SalespersonField
from opportunities.forms import DateInput
from opportunities.models import Opportunity
from salescycles.models import SalesCycle, SalesCycleStage

COUNT_CAP = 10_000
NO_DATE = datetime.date(1, 1, 1)


def _bounded_int(low: int, high: int):
    """Integers the column can hold: a larger one would overflow the query, not find a row."""

    def parse(text: str) -> int:
        value = int(text)
        if not low <= value <= high:
            raise ValueError(text)
        return value

    return parse


def _amount(field_name: str):
    """Finite decimals the money column can hold: "NaN", "Infinity" or "1E+999999999" would
    reach the database as values no column holds (and fail there), not find a row."""
    field = Opportunity._meta.get_field(field_name)
    limit = Decimal(10) ** (field.max_digits - field.decimal_places)

    def parse(text: str) -> Decimal:
        value = Decimal(text)
        if not value.is_finite() or not -limit < value < limit:
            raise ValueError(text)
        return value

    return parse


_id = _bounded_int(1, 2**63 - 1)  # a BigAutoField


# sort key -> (the value sorted on, how a cursor's text becomes that value), and the id breaks
# ties so that every order is total. "number" sorts by id: ids follow creation like numbers,
# and a string sort of numbers breaks once they outgrow their width (OP1000000). Nullable
# columns sort through Coalesce, since a row value comparison with NULL is never true.
SORTS = {
    "number": (None, None),
    "creation_date": (F("creation_date"), datetime.date.fromisoformat),
    "description": (F("description"), str),
    "contact": (F("contact__name"), str),
    "salesperson": (F("salesperson__code"), str),
    "status": (F("status"), str),
    "stage": (Coalesce(F("current_stage__stage"), Value(0)), _bounded_int(0, 2**31 - 1)),
    "estimated_close_date": (
        Coalesce(F("estimated_close_date"), Value(NO_DATE)),
        datetime.date.fromisoformat,
    ),
    "estimated_value": (F("estimated_value"), _amount("estimated_value")),
    "current_value": (F("calcd_current_value"), _amount("calcd_current_value")),
}
DEFAULT_SORT = "-number"

STATUS_CHOICES = [
    ("open", _("Open")),
    ("closed", _("Closed")),
    ("overdue", _("Overdue")),
    *Opportunity.Status.choices,
]


def sort_choices():
    for key in SORTS:
        yield key, key
        yield f"-{key}", f"-{key}"


class BadCursor(ValueError):
    """A cursor that is not one this list made (edited by hand): the view answers 404."""


@dataclass
class KeysetPage:
    """One page of rows and the cursors of the pages around it."""

    rows: list
    has_previous: bool
    has_next: bool
    previous_cursor: str | None
    next_cursor: str | None


def sorted_rows(queryset: QuerySet, sort: str, sorts: dict = SORTS) -> QuerySet:
    """The rows in the order `sort` means, the sort value annotated as `sort_value`."""
    descending = sort.startswith("-")
    expression, _parse = sorts[sort.removeprefix("-")]
    sign = "-" if descending else ""
    if expression is None:
        return queryset.order_by(f"{sign}pk")
    return queryset.annotate(sort_value=expression).order_by(f"{sign}sort_value", f"{sign}pk")


def cursor_of(row, sort: str, sorts: dict = SORTS) -> str:
    """A row's place in the order: its id, preceded by its sort value when there is one."""
    if sorts[sort.removeprefix("-")][0] is None:
        return str(row.pk)
    value = row.sort_value
    text = value.isoformat() if isinstance(value, datetime.date) else str(value)
    return f"{text}~{row.pk}"


def parse_cursor(text: str, sort: str, sorts: dict = SORTS) -> tuple:
    _expression, parse = sorts[sort.removeprefix("-")]
    try:
        if parse is None:
            return (_id(text),)
        value, _sep, pk = text.rpartition("~")
        if not _sep:
            raise ValueError(text)
        return (parse(value), _id(pk))
    except (ValueError, InvalidOperation) as error:
        raise BadCursor(text) from error


def after(queryset: QuerySet, sort: str, cursor: tuple, *, forward: bool) -> QuerySet:
    """The rows after the cursor in the sort's direction (`forward`), or before it."""
    descending = sort.startswith("-")
    greater = forward != descending
    if len(cursor) == 1:
        return queryset.filter(pk__gt=cursor[0]) if greater else queryset.filter(pk__lt=cursor[0])
    lookup = TupleGreaterThan if greater else TupleLessThan
    return queryset.filter(lookup(Tuple(F("sort_value"), F("pk")), cursor))


def reverse_sort(sort: str) -> str:
    return sort.removeprefix("-") if sort.startswith("-") else f"-{sort}"


def keyset_page(
    queryset: QuerySet,
    sort: str,
    *,
    per_page: int,
    after_cursor: str | None = None,
    before_cursor: str | None = None,
    last: bool = False,
    sorts: dict = SORTS,
) -> KeysetPage:
    """The page after `after_cursor`, before `before_cursor`, the last one, or the first.

    One query: it fetches one row more than the page to know whether another page follows.
    Pages read backwards (previous, last) are read in the reversed order and turned round.
    `sorts` is the list's own table of sort keys (the opportunities' by default).
    """
    backwards = last or before_cursor is not None
    rows = sorted_rows(queryset, reverse_sort(sort) if backwards else sort, sorts)
    if after_cursor is not None:
        rows = after(rows, sort, parse_cursor(after_cursor, sort, sorts), forward=True)
    elif before_cursor is not None:
        rows = after(rows, sort, parse_cursor(before_cursor, sort, sorts), forward=False)
    found = list(rows[: per_page + 1])
    more = len(found) > per_page
    found = found[:per_page]
    if backwards:
        found.reverse()
        has_previous, has_next = more, not last
    else:
        has_previous, has_next = after_cursor is not None, more
    return KeysetPage(
        rows=found,
        has_previous=has_previous and bool(found),
        has_next=has_next and bool(found),
        previous_cursor=cursor_of(found[0], sort, sorts) if found else None,
        next_cursor=cursor_of(found[-1], sort, sorts) if found else None,
    )


def capped_count(queryset: QuerySet, cap: int = COUNT_CAP) -> int:
    """How many rows, counting no further than `cap` + 1 (more than `cap` shows as "cap+")."""
    return queryset.order_by().values("pk")[: cap + 1].count()


def option_rows(queryset: QuerySet, value: str, label: list[str]) -> list[tuple[str, str]]:
    """(value, label) of each row: the label's columns joined by spaces, as `__str__` does."""
    return [
        (str(key), " ".join(map(str, parts))) for key, *parts in queryset.values_list(value, *label)
    ]


class OptionRows(BaseChoiceIterator):
    """A select's options from `option_rows`, read when the select is first shown and kept for
    the rest of the request (a widget goes through its choices more than once)."""

    def __init__(self, rows, empty_label: str | None):
        self.rows, self.empty_label, self.read = rows, empty_label, None

    def __iter__(self):
        if self.read is None:
            empty = [] if self.empty_label is None else [("", self.empty_label)]
            self.read = empty + self.rows()
        return iter(self.read)


class RememberedMarkup:
    """A widget that keeps its markup, keyed by all that makes it: its class and templates,
    name, value, attributes in the active language (and a select's options, below). A pane
    shown again with the same values renders none of it again through the templates."""

    rendered: ClassVar[dict] = {}
    KEPT = 500  # markups kept, at most a few kilobytes each

    def markup_key(self, name, value, attrs, renderer) -> tuple:
        shown = {**self.attrs, **(attrs or {})}
        formatted = self.format_value(value)
        return (
            type(self),
            self.template_name,
            getattr(self, "input_type", None),
            name,
            tuple(formatted) if isinstance(formatted, list) else formatted,
            tuple(sorted((attr, _plain(item)) for attr, item in shown.items())),
            renderer,
        )

    def render(self, name, value, attrs=None, renderer=None):
        key = self.markup_key(name, value, attrs, renderer)
        markup = self.rendered.get(key)
        if markup is None:
            if len(self.rendered) >= self.KEPT:
                self.rendered.clear()
            markup = self.rendered[key] = super().render(name, value, attrs, renderer)
        return markup


class RememberedSelect(RememberedMarkup, forms.Select):
    """A select that keeps its markup, its option template and every option's value and label
    in the key: through Django's templates, the list's pane took 3.9 ms more to render without
    it (some eighty options on every page; render timed in process on the benchmark's data,
    CPU time)."""

    def markup_key(self, name, value, attrs, renderer) -> tuple:
        options = tuple((_plain(option), _plain(label)) for option, label in self.choices)
        return (
            *super().markup_key(name, value, attrs, renderer),
            self.option_template_name,
            options,
        )


class RememberedInput(RememberedMarkup, forms.TextInput):
    """The pane's search field, its markup kept. With RememberedDateInput and RememberedPicker,
    the pane's four inputs took 1.3 ms to render per list page, 0.4 ms kept (CPU in process,
    median of 40 requests, the benchmark's list at 100,000)."""


class RememberedDateInput(RememberedMarkup, DateInput):
    """The pane's closing dates, their markup kept (see RememberedInput)."""


class RememberedPicker(Picker):
    """The pane's contact picker, its markup kept by all its template shows (the input, its
    attributes, the chosen contact's option): see RememberedInput."""

    def render_picker(self, context: dict) -> str:
        widget = context["widget"]
        key = (
            type(self),
            self.template_name,
            *(
                (item, _frozen(shown))
                for item, shown in sorted(widget.items())
                if item not in ("attrs", "options")
            ),
            _frozen(widget["attrs"]),
            tuple(widget["options"]),
        )
        rendered = RememberedMarkup.rendered
        markup = rendered.get(key)
        if markup is None:
            if len(rendered) >= RememberedMarkup.KEPT:
                rendered.clear()
            markup = rendered[key] = super().render_picker(context)
        return markup


def _frozen(value):
    if isinstance(value, dict):
        return tuple(sorted((item, _plain(shown)) for item, shown in value.items()))
    return _plain(value)


def _plain(value):
    """A lazy translation as the text it is now, in the active language."""
    return str(value) if isinstance(value, Promise) else value


class FilterForm(forms.Form):
    """The filter pane's form, shown field by field with the fields' own widgets: Bootstrap's
    classes on them, as crispy sets them, and the selects' options from plain rows."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if widget.is_hidden:
                continue
            is_select = isinstance(widget, forms.Select)
            widget.attrs["class"] = "form-select" if is_select else "form-control"
            if rows := getattr(field, "option_rows", None):
                widget.choices = OptionRows(rows, field.empty_label)

    def full_clean(self):
        super().full_clean()
        for name, field in self.fields.items():
            if name in self.errors and not field.widget.is_hidden:
                field.widget.attrs["class"] += " is-invalid"


class ContactPickerFilter(django_filters.Filter):
    """A contact by number, typed or picked (`contacts.pickers`)."""

    field_class = ContactField


class SalespersonPickerFilter(django_filters.Filter):
    """A salesperson by code: a select while there are few (`contacts.pickers`)."""

    field_class = SalespersonField


# filter -> the rows of its select: queryset, the option's value, the label's columns.
OPTION_ROWS = {
    "sales_cycle": (SalesCycle.objects.order_by("code"), "code", "code", "description"),
    "current_stage": (
        SalesCycleStage.objects.order_by("sales_cycle__code", "stage"),
        "pk",
        "sales_cycle__code",
        "stage",
        "description",
    ),
}


def _copied(item: django_filters.Filter, parent, model) -> django_filters.Filter:
    """A FilterSet's own copy of one of its class's filters, its method bound to the copy."""
    copied = copy.copy(item)
    copied.model, copied.parent = model, parent
    if copied.method is not None:
        copied.method = copied.method  # a new FilterMethod, on the copy
    return copied


class OpportunityFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="search",
        widget=RememberedInput(attrs={"type": "search", "placeholder": _("Number or description")}),
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=STATUS_CHOICES,
        method="filter_status",
        empty_label=_("All"),
        widget=RememberedSelect,
    )
    salesperson = SalespersonPickerFilter(
        label=_("Salesperson"),
        empty_label=_("All"),
        widget=Picker(select=RememberedSelect()),
    )
    contact = ContactPickerFilter(
        label=_("Contact no."), method="filter_contact", widget=RememberedPicker
    )
    sales_cycle = django_filters.ModelChoiceFilter(
        label=_("Sales cycle"),
        queryset=SalesCycle.objects.all(),
        to_field_name="code",
        empty_label=_("All"),
        widget=RememberedSelect,
    )
    current_stage = django_filters.ModelChoiceFilter(
        label=_("Current stage"),
        queryset=SalesCycleStage.objects.select_related("sales_cycle").order_by(
            "sales_cycle__code", "stage"
        ),
        empty_label=_("All"),
        widget=RememberedSelect,
    )
    priority = django_filters.ChoiceFilter(
        label=_("Priority"),
        choices=Opportunity.Priority.choices,
        empty_label=_("All"),
        widget=RememberedSelect,
    )
    closing_from = django_filters.DateFilter(
        label=_("Est. closing date from"),
        field_name="estimated_close_date",
        lookup_expr="gte",
        widget=RememberedDateInput,
    )
    closing_to = django_filters.DateFilter(
        label=_("Est. closing date to"),
        field_name="estimated_close_date",
        lookup_expr="lte",
        widget=RememberedDateInput,
    )
    sort = django_filters.ChoiceFilter(
        label=_("Sort"),
        choices=sort_choices,
        method="keep",
        # Shown with the results, outside the pane's form, so that it follows the sort links.
        widget=forms.HiddenInput(attrs={"form": "filter-form"}),
    )

    class Meta:
        model = Opportunity
        form = FilterForm
        fields = [
            "q",
            "status",
            "salesperson",
            "contact",
            "sales_cycle",
            "current_stage",
            "priority",
            "closing_from",
            "closing_to",
            "sort",
        ]

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        """django-filter's, but with each filter copied, not deep-copied (its widget, choices,
        queryset and lazy labels with it): the form class is made once (`get_form_class`), so
        a FilterSet's filters change nothing but their model and parent, set here."""
        if queryset is None:
            queryset = self._meta.model._default_manager.all()
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = queryset
        self.request = request
        self.form_prefix = prefix
        self.filters = {
            name: _copied(item, self, queryset.model) for name, item in self.base_filters.items()
        }

    def get_form_class(self):
        """The form class, made once per FilterSet class: its fields depend on no request (each
        form copies them). With the filters copied shallowly (`__init__`), a FilterSet with its
        form, validation and query took 2.8 ms, 1.8 ms now (CPU in process, alternating, the
        benchmark's data at 100,000)."""
        form_class = type(self).__dict__.get("_form_class")
        if form_class is None:
            form_class = super().get_form_class()
            fields = form_class.base_fields
            fields["current_stage"].label_from_instance = lambda stage: (
                f"{stage.sales_cycle.code} {stage.stage} {stage.description}"
            )
            # The pane's selects list their options from plain rows (FilterForm): the same
            # labels as the fields' own, without a model instance per option on every page.
            for name, (queryset, value, *label) in OPTION_ROWS.items():
                fields[name].option_rows = partial(option_rows, queryset, value, label)
            type(self)._form_class = form_class
        return form_class

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(number__icontains=value) | Q(description__icontains=value))

    def filter_status(self, queryset, name, value):
        if value == "open":
            return queryset.open()
        if value == "closed":
            return queryset.closed()
        if value == "overdue":
            return queryset.overdue()
        return queryset.filter(status=value)

    def filter_contact(self, queryset, name, value):
        return queryset.for_contact(value)

    def keep(self, queryset, name, value):
        return queryset  # the view sorts the rows it pages through (`keyset_page`)

    @property
    def sort_key(self) -> str:
        data = self.form.cleaned_data if hasattr(self.form, "cleaned_data") else {}
        return data.get("sort") or DEFAULT_SORT

    def chosen(self, name: str):
        """A filter's valid value, for the page's title."""
        if not self.is_bound or not hasattr(self.form, "cleaned_data"):
            return None
        return self.form.cleaned_data.get(name)
