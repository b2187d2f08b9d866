"""The opportunity card."""

from django.contrib.auth.mixins import PermissionRequiredMixin
from django.db.models import Prefetch
from django.views.generic import DetailView

from opportunities import permissions, services
from opportunities.models import Opportunity, OpportunityEntry
from web.shortcuts import LIST_RELATED


class OpportunityDetailView(PermissionRequiredMixin, DetailView):
    """Opportunity card: the fields, the figures, the sales documents and the entries."""

    permission_required = "opportunities.view_opportunity"

    template_name = "opportunities/opportunity_detail.html"
    slug_field = slug_url_kwarg = "number"
    context_object_name = "opportunity"

    def get_queryset(self):
        entries = OpportunityEntry.objects.select_related("close_code", "created_by").order_by(
            "-pk"
        )
        return Opportunity.objects.select_related(
            *LIST_RELATED, "sales_cycle", "contact__company"
        ).prefetch_related(Prefetch("entries", queryset=entries))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        opportunity = self.object
        # The cycle's stages, read once: whether it can be activated, and where "Next" goes.
        stages = services.stages_by_cycle([opportunity])[opportunity.sales_cycle_id]
        commands = permissions.row_commands(self.request.user, opportunity, has_stages=bool(stages))
        context["commands"] = commands
        opportunity.next_stage = (
            services.next_stage(opportunity, stages) if "update" in commands else None
        )
        context["entries"] = opportunity.entries.all()
        quote = opportunity.quote
        context["quote_open"] = quote is not None and quote.is_open
        context["can_act"] = permissions.can_act_on(self.request.user, opportunity)
        context["can_edit"] = context["can_act"] and not opportunity.closed
        # "Create quote" is not offered for a person's opportunity: say why, where it would be.
        context["person_without_quotes"] = (
            context["can_act"]
            and opportunity.status == Opportunity.Status.IN_PROGRESS
            and opportunity.quote_id is None
            and not opportunity.contact.is_company
        )
        return context
