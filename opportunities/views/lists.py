"""The opportunity list: filters, sort, keyset pages and a capped count."""

from django.contrib.auth.mixins import PermissionRequiredMixin
from django.http import Http404
from django.utils.translation import gettext as _
from django_filters.views import FilterView

from opportunities import permissions
from opportunities.filters import COUNT_CAP, BadCursor, OpportunityFilter, capped_count, keyset_page
from opportunities.models import Opportunity
from web.shortcuts import LIST_RELATED, ResultsPartialMixin, list_rows

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


class OpportunityListView(PermissionRequiredMixin, ResultsPartialMixin, FilterView):
    """Opportunity list: all, per salesperson, per contact, open or closed; filtered, sorted.

    Pages by keyset (`?after=`, `?before=`, `?page=last`), so every page costs what the first
    does; one query for the rows and one capped count.
    """

    permission_required = "opportunities.view_opportunity"

    filterset_class = OpportunityFilter
    template_name = "opportunities/opportunity_list.html"
    paginate_by = 25

    def get_queryset(self):
        # The only place the rows' query starts; the FilterSet adds filters, the page the order.
        return Opportunity.objects.all()

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        kwargs["data"] = self.request.GET  # always bound: the order is always applied
        return kwargs

    def paginate_queryset(self, queryset, page_size):
        query = self.request.GET
        sort = self.filterset.sort_key
        page = query.get("page")
        if page not in (None, "", "1", "last"):
            raise Http404(_("There is no such page."))
        try:
            found = keyset_page(
                queryset.select_related(*LIST_RELATED).only(*LIST_COLUMNS),
                sort,
                per_page=page_size,
                after_cursor=query.get("after") or None,
                before_cursor=query.get("before") or None,
                last=page == "last",
            )
        except BadCursor as error:
            raise Http404(_("There is no such page.")) from error
        self.total = capped_count(queryset)
        return None, found, found.rows, found.has_previous or found.has_next

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = context["page_obj"]
        context["rows"] = list_rows(self.request.user, page.rows)
        context["title"] = list_title(self.filterset)
        context["new_query"] = new_opportunity_query(self.filterset)
        context["can_create"] = permissions.can_create(self.request.user)
        context["total"] = min(self.total, COUNT_CAP)
        context["total_capped"] = self.total > COUNT_CAP
        return context


def list_title(filterset: OpportunityFilter) -> str:
    status = filterset.chosen("status")
    salesperson = filterset.chosen("salesperson")
    contact = filterset.chosen("contact")
    if salesperson is not None:
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
