"""The opportunity list's filters and sorting: every key is whitelisted here.

All of the list's query building lives in `OpportunityFilter.filter_queryset`, so that a later
change of pagination (keyset) or counting only has to look here and at the view's queryset.
"""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from contacts.models import Contact, Salesperson
from opportunities.forms import DateInput
from opportunities.models import Opportunity
from salescycles.models import SalesCycle, SalesCycleStage

# sort key -> the ordering it means; the number breaks ties, so every order is total.
SORTS = {
    "number": ("number",),
    "creation_date": ("creation_date", "number"),
    "description": ("description", "number"),
    "contact": ("contact__name", "number"),
    "salesperson": ("salesperson__code", "number"),
    "status": ("status", "number"),
    "stage": ("current_stage__stage", "number"),
    "estimated_close_date": ("estimated_close_date", "number"),
    "estimated_value": ("estimated_value", "number"),
    "current_value": ("calcd_current_value", "number"),
}
DEFAULT_SORT = "-number"

STATUS_CHOICES = [
    ("open", _("Open")),
    ("closed", _("Closed")),
    *Opportunity.Status.choices,
]


def sort_choices():
    for key in SORTS:
        yield key, key
        yield f"-{key}", f"-{key}"


def ordering(sort: str) -> list[str]:
    descending = sort.startswith("-")
    fields = SORTS[sort.removeprefix("-")]
    return [f"-{field}" if descending else field for field in fields]


class OpportunityFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="search",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Number or description")}),
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=STATUS_CHOICES, method="filter_status", empty_label=_("All")
    )
    salesperson = django_filters.ModelChoiceFilter(
        label=_("Salesperson"),
        queryset=Salesperson.objects.all(),
        to_field_name="code",
        empty_label=_("All"),
    )
    contact = django_filters.ModelChoiceFilter(
        label=_("Contact no."),
        queryset=Contact.objects.all(),
        to_field_name="number",
        method="filter_contact",
        widget=forms.TextInput(attrs={"placeholder": "CT000001"}),
        error_messages={"invalid_choice": _("There is no contact with this number.")},
    )
    sales_cycle = django_filters.ModelChoiceFilter(
        label=_("Sales cycle"),
        queryset=SalesCycle.objects.all(),
        to_field_name="code",
        empty_label=_("All"),
    )
    current_stage = django_filters.ModelChoiceFilter(
        label=_("Current stage"),
        queryset=SalesCycleStage.objects.select_related("sales_cycle").order_by(
            "sales_cycle__code", "stage"
        ),
        empty_label=_("All"),
    )
    priority = django_filters.ChoiceFilter(
        label=_("Priority"), choices=Opportunity.Priority.choices, empty_label=_("All")
    )
    closing_from = django_filters.DateFilter(
        label=_("Est. closing date from"),
        field_name="estimated_close_date",
        lookup_expr="gte",
        widget=DateInput,
    )
    closing_to = django_filters.DateFilter(
        label=_("Est. closing date to"),
        field_name="estimated_close_date",
        lookup_expr="lte",
        widget=DateInput,
    )
    sort = django_filters.ChoiceFilter(
        label=_("Sort"), choices=sort_choices, method="keep", widget=forms.HiddenInput
    )

    class Meta:
        model = Opportunity
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["current_stage"].field.label_from_instance = lambda stage: (
            f"{stage.sales_cycle.code} {stage.stage} {stage.description}"
        )

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(number__icontains=value) | Q(description__icontains=value))

    def filter_status(self, queryset, name, value):
        if value == "open":
            return queryset.open()
        if value == "closed":
            return queryset.closed()
        return queryset.filter(status=value)

    def filter_contact(self, queryset, name, value):
        return queryset.for_contact(value)

    def keep(self, queryset, name, value):
        return queryset  # applied last, in filter_queryset

    @property
    def sort_key(self) -> str:
        data = self.form.cleaned_data if hasattr(self.form, "cleaned_data") else {}
        return data.get("sort") or DEFAULT_SORT

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset).order_by(*ordering(self.sort_key))

    def chosen(self, name: str):
        """A filter's valid value, for the page's title."""
        if not self.is_bound or not hasattr(self.form, "cleaned_data"):
            return None
        return self.form.cleaned_data.get(name)
