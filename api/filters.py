"""The opportunity list's filters as query parameters: the list page's FilterSet, under the
API's names (`search` for its search box, `ordering` for its sort), with `closed`."""

import django_filters

from opportunities.filters import DEFAULT_SORT, OpportunityFilter, sort_choices


class ApiOpportunityFilter(OpportunityFilter):
    # The page's names for these two; the API has its own below.
    q = None
    sort = None

    search = django_filters.CharFilter(
        method="search", help_text="Part of the number or the description."
    )
    closed = django_filters.BooleanFilter(
        method="filter_closed", help_text="true: won or lost; false: not started or in progress."
    )
    ordering = django_filters.ChoiceFilter(
        choices=sort_choices,
        method="keep",
        help_text=f"A column, or -column for descending; default {DEFAULT_SORT}.",
    )

    class Meta(OpportunityFilter.Meta):
        fields = [
            "search",
            "status",
            "closed",
            "salesperson",
            "contact",
            "sales_cycle",
            "current_stage",
            "priority",
            "closing_from",
            "closing_to",
            "ordering",
        ]

    def filter_closed(self, queryset, name, value):
        return queryset.closed() if value else queryset.open()

    @property
    def sort_key(self) -> str:
        data = self.form.cleaned_data if hasattr(self.form, "cleaned_data") else {}
        return data.get("ordering") or DEFAULT_SORT
