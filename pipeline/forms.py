"""The filters of the board and the dashboard: the list's (salesperson, contact, priority,
search), and for the dashboard a sales cycle and a period of months."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIterator
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from contacts.pickers import ContactField, Picker, SalespersonField
from opportunities import permissions
from opportunities.filters import OpportunityFilter, RememberedSelect
from opportunities.models import Opportunity
from pipeline.figures import Scope, month_key
from salescycles.models import SalesCycle

MONTHS_SHOWN = 12


class MonthInput(forms.DateInput):
    input_type = "month"

    def format_value(self, value):
        if isinstance(value, datetime.date):
            return value.strftime("%Y-%m")
        return value


class MonthField(forms.DateField):
    """A month as `YYYY-MM` (the month input's value), held as its first day."""

    widget = MonthInput
    input_formats = ["%Y-%m", "%Y-%m-%d"]

    def to_python(self, value):
        day = super().to_python(value)
        return day.replace(day=1) if day else day


class PipelineFilterForm(forms.Form):
    """The board's filters. A salesperson sees their own opportunities unless they choose
    "All" (`salesperson=` empty in the query); a manager sees everyone's."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Number or description")}),
    )
    # The selects keep their markup as the list's do (RememberedSelect): drawn through Django's
    # templates, the salespeople's options cost the board page about 12 ms of CPU at 100,000.
    salesperson = SalespersonField(
        label=_("Salesperson"),
        required=False,
        empty_label=_("All"),
        widget=Picker(select=RememberedSelect()),
    )
    contact = ContactField(label=_("Contact no."), required=False)
    priority = forms.ChoiceField(
        label=_("Priority"),
        required=False,
        choices=[("", _("All")), *Opportunity.Priority.choices],
        widget=RememberedSelect,
    )

    LIST_FILTERS = ("q", "salesperson", "contact", "priority")

    def __init__(self, query: QueryDict, *, user, **kwargs):
        super().__init__(permissions.mine_by_default(query, user), **kwargs)
        self.fields["salesperson"].label_from_instance = lambda sp: f"{sp.code} {sp.name}"
        self.is_valid()  # a wrong value is shown on its field; the others still apply
        for name, field in self.fields.items():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            if name in self.errors:
                css += " is-invalid"
            field.widget.attrs["class"] = css

    def value(self, name: str):
        return getattr(self, "cleaned_data", {}).get(name)

    def list_query(self) -> dict[str, str]:
        """The filters as the opportunity list's query parameters."""
        query = {}
        if q := (self.value("q") or "").strip():
            query["q"] = q
        if salesperson := self.value("salesperson"):
            query["salesperson"] = salesperson.code
        if contact := self.value("contact"):
            query["contact"] = contact.number
        if priority := self.value("priority"):
            query["priority"] = priority
        if "salesperson" not in query and "salesperson" in self.data:
            query["salesperson"] = ""  # an explicit "All": the list opens on "mine" without it
        return query

    def query(self) -> dict[str, str]:
        """The filters as this page's query (an explicit "All" salesperson kept)."""
        return self.list_query()

    def scope(self, sales_cycle: SalesCycle, *, today: datetime.date, **extra) -> Scope:
        query = self.list_query()
        matching = None
        if "contact" in query or "q" in query:
            # The list's own FilterSet decides what a contact or a search selects.
            data = {key: query[key] for key in ("contact", "q") if key in query}
            matching = OpportunityFilter(data=data, queryset=Opportunity.objects.all()).qs
        salesperson = self.value("salesperson")
        return Scope(
            sales_cycle_id=sales_cycle.pk,
            salesperson_id=salesperson.pk if salesperson else None,
            priority=self.value("priority") or None,
            matching=matching,
            today=today,
            **extra,
        )


def default_cycle() -> SalesCycle | None:
    return (
        SalesCycle.objects.filter(blocked=False).order_by("code").first()
        or SalesCycle.objects.order_by("code").first()
    )


def months_before(day: datetime.date, count: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 - count
    return datetime.date(index // 12, index % 12 + 1, 1)


class ListedChoices(ModelChoiceIterator):
    """The options of a `ListedModelChoiceField`, from its rows read once."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for row in self.field.rows():
            yield self.choice(row)

    def __len__(self):
        return len(self.field.rows()) + (self.field.empty_label is not None)

    def __bool__(self):
        return self.field.empty_label is not None or bool(self.field.rows())


class ListedModelChoiceField(forms.ModelChoiceField):
    """A select of a few rows, read once per form for its value and its options (a
    ModelChoiceField queries for the value, and twice more to draw its select)."""

    iterator = ListedChoices
    _rows = None

    def __deepcopy__(self, memo):
        result = super().__deepcopy__(memo)
        result._rows = None
        return result

    def rows(self) -> list:
        if self._rows is None:
            self._rows = list(self.queryset)
        return self._rows

    def to_python(self, value):
        if value in self.empty_values:
            return None
        self.validate_no_null_characters(value)
        key = self.to_field_name or "pk"
        for row in self.rows():
            if str(getattr(row, key)) == str(value):
                return row
        raise ValidationError(
            self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
        )


class DashboardFilterForm(PipelineFilterForm):
    """The board's filters, a sales cycle and the period of the closed figures (months)."""

    sales_cycle = ListedModelChoiceField(
        label=_("Sales cycle"),
        queryset=SalesCycle.objects.order_by("code"),
        to_field_name="code",
        required=False,
        empty_label=None,
    )
    period_from = MonthField(label=_("Closed from (month)"), required=False)
    period_to = MonthField(label=_("Closed to (month)"), required=False)

    def __init__(self, query: QueryDict, *, user, today: datetime.date, **kwargs):
        self.today = today
        if not query.get("sales_cycle") and (cycle := default_cycle()) is not None:
            query = query.copy()
            query["sales_cycle"] = cycle.code  # the select shows the cycle the page is of
        super().__init__(query, user=user, **kwargs)
        self.fields["sales_cycle"].label_from_instance = lambda c: f"{c.code} {c.description}"

    def clean(self):
        data = super().clean()
        start, end = data.get("period_from"), data.get("period_to")
        if start and end and start > end:
            self.add_error("period_to", _("The period ends before it starts."))
            data["period_to"] = None
        return data

    @property
    def chosen_cycle(self) -> SalesCycle | None:
        return self.value("sales_cycle") or default_cycle()

    @property
    def period(self) -> tuple[datetime.date, datetime.date]:
        """The first days of the period's first and last months: the last 12 by default."""
        end = self.value("period_to") or self.today.replace(day=1)
        start = self.value("period_from") or months_before(end, MONTHS_SHOWN - 1)
        if start > end:
            start = months_before(end, MONTHS_SHOWN - 1)
        return start, end

    def query(self) -> dict[str, str]:
        query = super().query()
        if cycle := self.value("sales_cycle"):
            query["sales_cycle"] = cycle.code
        for name in ("period_from", "period_to"):
            if self.value(name):
                query[name] = self.value(name).strftime("%Y-%m")
        return query

    def dashboard_scope(self) -> Scope:
        start, end = self.period
        return self.scope(
            self.chosen_cycle,
            today=self.today,
            month_from=month_key(start),
            month_to=month_key(end),
        )
