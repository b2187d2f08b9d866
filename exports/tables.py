"""What each export holds: its columns, named by the model's fields (the contract of the data
model), headed by the fields' verbose names in the user's language, and read as plain rows
(`values_list`) in the order of the list the export is made from.

A reference is written as what the user knows it by: a contact, customer or opportunity by its
number, a salesperson, sales cycle or close code by its code, a stage by its number, a user by
their user name. Choices are written as their stored values (`in_progress`, `won`), which do
not change with the language.
"""

from dataclasses import dataclass

from django.db import models
from django.db.models import F, Q, QuerySet
from django.db.models.expressions import BaseExpression
from django.utils.text import capfirst
from django.utils.translation import pgettext_lazy

from contacts.models import Contact, Salesperson
from opportunities.filters import SORTS, sorted_rows
from opportunities.models import Opportunity, OpportunityEntry

ROWS_PER_FETCH = 2000  # rows per FETCH of the server-side cursor

TEXT_FIELDS = (models.CharField, models.TextField)


@dataclass(frozen=True)
class Column:
    name: str  # the model's field name
    path: str  # what values_list reads
    label: object  # the header: a lazy translation
    text: bool  # a text cell, neutralised when it looks like a formula
    expression: BaseExpression | None = None  # a computed column, annotated as `path`


def column(model: type[models.Model], name: str, path: str | None = None) -> Column:
    """The column of field `name`, read through `path` (a reference's number or code)."""
    field = model._meta.get_field(name)
    label = field.verbose_name if hasattr(field, "verbose_name") else None
    if label is None:  # a reverse one-to-one (a contact's customer): the related model's name
        label = field.related_model._meta.verbose_name
    target, *steps = (path or name).split("__")
    read = model._meta.get_field(target)
    for step in steps:
        read = read.related_model._meta.get_field(step)
    if read.is_relation:
        raise ValueError(f"{model.__name__}.{path or name} is a relation: read one of its fields")
    return Column(name, path or name, label, isinstance(read, TEXT_FIELDS))


@dataclass(frozen=True)
class Table:
    """One export: its file name, its sheet, its columns."""

    slug: str  # the file name's start
    model: type[models.Model]
    columns: tuple[Column, ...]

    def headers(self) -> list[str]:
        return [capfirst(str(column.label)) for column in self.columns]

    @property
    def text_columns(self) -> list[int]:
        return [index for index, column in enumerate(self.columns) if column.text]

    @property
    def title(self) -> str:
        return capfirst(str(self.model._meta.verbose_name_plural))

    def rows(self, queryset: QuerySet) -> QuerySet:
        """The columns of `queryset`'s rows, as tuples, in its order."""
        computed = {c.path: c.expression for c in self.columns if c.expression is not None}
        if computed:
            queryset = queryset.annotate(**computed)
        return queryset.values_list(*(column.path for column in self.columns))


CLOSED = Column(
    "closed",
    "export_closed",
    pgettext_lazy("export column: a closed opportunity", "closed"),
    text=False,
    expression=models.ExpressionWrapper(
        Q(status__in=Opportunity.CLOSED_STATUSES), output_field=models.BooleanField()
    ),
)

OPPORTUNITIES = Table(
    "opportunities",
    Opportunity,
    (
        column(Opportunity, "number"),
        column(Opportunity, "description"),
        column(Opportunity, "contact", "contact__number"),
        column(Opportunity, "salesperson", "salesperson__code"),
        column(Opportunity, "sales_cycle", "sales_cycle__code"),
        column(Opportunity, "priority"),
        column(Opportunity, "status"),
        CLOSED,
        column(Opportunity, "creation_date"),
        column(Opportunity, "date_closed"),
        column(Opportunity, "current_stage", "current_stage__stage"),
        column(Opportunity, "estimated_value"),
        column(Opportunity, "chances_of_success"),
        column(Opportunity, "completed"),
        column(Opportunity, "probability"),
        column(Opportunity, "calcd_current_value"),
        column(Opportunity, "estimated_close_date"),
        column(Opportunity, "quote", "quote__number"),
        column(Opportunity, "order", "order__number"),
    ),
)

ENTRIES = Table(
    "opportunity-entries",
    OpportunityEntry,
    (
        column(OpportunityEntry, "opportunity", "opportunity__number"),
        column(OpportunityEntry, "sales_cycle", "sales_cycle__code"),
        column(OpportunityEntry, "stage", "stage__stage"),
        column(OpportunityEntry, "stage_description"),
        column(OpportunityEntry, "previous_stage"),
        column(OpportunityEntry, "contact", "contact__number"),
        column(OpportunityEntry, "salesperson", "salesperson__code"),
        column(OpportunityEntry, "date_of_change"),
        column(OpportunityEntry, "active"),
        column(OpportunityEntry, "date_closed"),
        column(OpportunityEntry, "days_open"),
        column(OpportunityEntry, "action_taken"),
        column(OpportunityEntry, "estimated_value"),
        column(OpportunityEntry, "calcd_current_value"),
        column(OpportunityEntry, "completed"),
        column(OpportunityEntry, "chances_of_success"),
        column(OpportunityEntry, "probability"),
        column(OpportunityEntry, "close_code", "close_code__code"),
        column(OpportunityEntry, "estimated_close_date"),
        column(OpportunityEntry, "created_by", "created_by__username"),
    ),
)

CONTACTS = Table(
    "contacts",
    Contact,
    (
        column(Contact, "number"),
        column(Contact, "name"),
        column(Contact, "type"),
        column(Contact, "company", "company__number"),
        column(Contact, "salesperson", "salesperson__code"),
        column(Contact, "email"),
        column(Contact, "phone"),
        column(Contact, "customer", "customer__number"),
    ),
)

SALESPEOPLE = Table(
    "salespeople",
    Salesperson,
    (
        column(Salesperson, "code"),
        column(Salesperson, "name"),
        column(Salesperson, "email"),
        column(Salesperson, "blocked"),
    ),
)


def opportunity_rows(filtered: QuerySet, sort: str) -> QuerySet:
    """The opportunities of the list's filters, in the list's order (`sorted_rows`)."""
    return OPPORTUNITIES.rows(sorted_rows(filtered, sort))


def _through(expression, prefix: str):
    """`expression` (a sort value of the opportunity list) read from a related model."""
    if isinstance(expression, F):
        return F(prefix + expression.name)
    copied = expression.copy()
    copied.set_source_expressions(
        [_through(inner, prefix) for inner in expression.get_source_expressions()]
    )
    return copied


def entry_rows(filtered: QuerySet, sort: str, sorts: dict = SORTS) -> QuerySet:
    """The entries of the opportunities of the list's filters: the opportunities in the list's
    order (`sort` of `sorts`, as `sorted_rows` reads them), and each one's entries in the
    order they were written."""
    descending = sort.startswith("-")
    sign = "-" if descending else ""
    expression, _parse = sorts[sort.removeprefix("-")]
    entries = OpportunityEntry.objects.filter(opportunity__in=filtered.values("pk"))
    order = [f"{sign}opportunity_id", "pk"]
    if expression is not None:
        entries = entries.annotate(sort_value=_through(expression, "opportunity__"))
        order.insert(0, f"{sign}sort_value")
    return ENTRIES.rows(entries.order_by(*order))
