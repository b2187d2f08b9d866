"""The opportunity list: "mine" or all, filters, sort, keyset pages, a capped count, and the
totals of every matching row (a page of its own, loaded after the list)."""

from django.contrib.auth.mixins import PermissionRequiredMixin
from django.db.models import Count, Sum
from django.db.models.functions import Coalesce
from django.http import QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views import View
from django_filters.views import FilterView

from opportunities import permissions
from opportunities.filters import SORTS, OpportunityFilter
from opportunities.models import ZERO, Opportunity
from web.paging import PAGE_KEYS, KeysetPagingMixin
from web.shortcuts import LIST_RELATED, ResultsPartialMixin, list_rows, mine_and_all

# The columns a list row shows or decides its commands with: a fifth of the joined ones.
LIST_COLUMNS = (
    *LIST_RELATED,
    "number",
    "description",
    "status",
    "creation_date",
    "estimated_value",
    "calcd_current_value",
    "estimated_close_date",
    "version",
    "sales_cycle",  # whether it has stages decides the commands of a row on no stage
    "contact__number",
    "contact__name",
    "contact__type",
    "salesperson__code",
    "salesperson__name",
    "current_stage__description",
    "quote__number",
    "order__number",
)


class OpportunityListView(
    PermissionRequiredMixin, ResultsPartialMixin, KeysetPagingMixin, FilterView
):
    """Opportunity list: all, per salesperson, per contact, open or closed; filtered, sorted.

    A salesperson opens it on their own open opportunities ("Mine", as the board does), a
    manager on everyone's ("All", with "Mine" one click away for a manager who sells too).
    Pages by keyset (`?after=`, `?before=`, `?page=last`), so every page costs what the first
    does; one query for the rows and one capped count. The totals of all matching rows come
    from `OpportunityTotalsView`, after the page.
    """

    permission_required = "opportunities.view_opportunity"

    filterset_class = OpportunityFilter
    template_name = "opportunities/opportunity_list.html"
    paginate_by = 25
    sorts = SORTS

    def get_queryset(self):
        # The only place the rows' query starts; the FilterSet adds filters, the page the order.
        return Opportunity.objects.all()

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        # Always bound (the order is always applied), and "mine" for a salesperson.
        kwargs["data"] = list_filters(self.request)
        return kwargs

    def sort_key(self) -> str:
        return self.filterset.sort_key

    def page_queryset(self, queryset):
        return queryset.select_related(*LIST_RELATED).only(*LIST_COLUMNS)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = context["page_obj"]
        user = self.request.user
        context["rows"] = list_rows(user, page.rows)
        context["title"] = list_title(self.filterset, own_id=permissions.salesperson_id_of(user))
        context["new_query"] = new_opportunity_query(self.filterset)
        context["can_create"] = permissions.can_create(user)
        chosen = self.filterset.chosen("salesperson")
        context["views"] = mine_and_all(user, reverse("opportunities:list"), chosen, status="open")
        context["totals_url"] = totals_url(self.request)
        # Another page of the same filters keeps the totals shown; new filters load them again.
        context["turning_page"] = any(
            key in self.request.GET for key in ("page", "after", "before")
        )
        return context


class OpportunityTotalsView(PermissionRequiredMixin, View):
    """Under the list: how many opportunities match its filters and the sums of their
    estimated and current values, over all of them (not the page), in one aggregate query.
    The list loads it after itself (htmx), or links to it without JavaScript."""

    permission_required = "opportunities.view_opportunity"

    def get(self, request):
        filterset = OpportunityFilter(
            data=list_filters(request), queryset=Opportunity.objects.all()
        )
        totals = list_totals(filterset.qs) if filterset.is_valid() else None
        context = {
            "totals": totals,
            "title": list_title(filterset, own_id=permissions.salesperson_id_of(request.user)),
            "list_url": f"{reverse('opportunities:list')}?{request.GET.urlencode()}",
        }
        template = "opportunities/totals.html"
        if request.htmx:
            template += "#totals"
        return render(request, template, context)


def list_filters(request) -> QueryDict:
    """The list's filters as the user chose them, "mine" (open ones) for a salesperson."""
    return permissions.mine_by_default(request.GET, request.user, status="open")


def list_totals(queryset) -> dict:
    """Count and sums of all the rows, in one aggregate query (not the page's, not a loop)."""
    return queryset.order_by().aggregate(
        count=Count("*"),  # not COUNT(id): the totals index holds no id
        estimated=Coalesce(Sum("estimated_value"), ZERO),
        current=Coalesce(Sum("calcd_current_value"), ZERO),
    )


def totals_url(request) -> str:
    query = {name: values for name, values in request.GET.lists() if name not in PAGE_KEYS}
    url = reverse("opportunities:totals")
    return f"{url}?{urlencode(query, doseq=True)}" if query else url


def list_title(filterset: OpportunityFilter, *, own_id: int | None = None) -> str:
    status = filterset.chosen("status")
    salesperson = filterset.chosen("salesperson")
    contact = filterset.chosen("contact")
    if salesperson is not None and salesperson.pk == own_id:
        subject = {}
        titles = {
            "open": _("My open opportunities"),
            "closed": _("My closed opportunities"),
            None: _("My opportunities"),
        }
    elif salesperson is not None:
        subject = {"name": salesperson.code}
        titles = {
            "open": _("Open opportunities of salesperson %(name)s"),
            "closed": _("Closed opportunities of salesperson %(name)s"),
            None: _("Opportunities of salesperson %(name)s"),
        }
    elif contact is not None:
        subject = {"name": f"{contact.number} {contact.name}"}
        titles = {
            "open": _("Open opportunities of contact %(name)s"),
            "closed": _("Closed opportunities of contact %(name)s"),
            None: _("Opportunities of contact %(name)s"),
        }
    else:
        subject = {}
        titles = {
            "open": _("Open opportunities"),
            "closed": _("Closed opportunities"),
            None: _("Opportunity list"),
        }
    return titles.get(status, titles[None]) % subject


def new_opportunity_query(filterset: OpportunityFilter) -> str:
    """ "New" from a list of one contact or salesperson fixes it on the new opportunity."""
    if (contact := filterset.chosen("contact")) is not None:
        return f"?contact={contact.number}"
    if (salesperson := filterset.chosen("salesperson")) is not None:
        return f"?salesperson={salesperson.code}"
    return ""
