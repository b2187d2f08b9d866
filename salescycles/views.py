"""Sales cycle pages: the list, and a card with the stages and their statistics."""

from django.contrib.auth.mixins import PermissionRequiredMixin
from django.db.models import Count, F
from django.utils.translation import gettext as _
from django.views.generic import DetailView, ListView

from opportunities.models import Opportunity
from salescycles.models import SalesCycle
from web.paging import KeysetPagingMixin
from web.shortcuts import counted


class SalesCycleListView(PermissionRequiredMixin, KeysetPagingMixin, ListView):
    permission_required = "salescycles.view_salescycle"
    template_name = "salescycles/salescycle_list.html"
    context_object_name = "cycles"
    paginate_by = 50
    sorts = {"code": (F("code"), str)}  # pages like every list (the shared pager)
    default_sort = "code"

    def get_queryset(self):
        return SalesCycle.objects.annotate(stage_count=Count("stages")).order_by("code")


class SalesCycleDetailView(PermissionRequiredMixin, DetailView):
    permission_required = "salescycles.view_salescycle"
    model = SalesCycle
    template_name = "salescycles/salescycle_detail.html"
    slug_field = slug_url_kwarg = "code"
    context_object_name = "cycle"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        stages = list(self.object.stages.order_by("stage"))
        for stage in stages:
            stage.figures = stage.statistics()
        context |= {
            "stages": stages,
            "statistics": self.object.statistics(),
            "counted": counted(
                _("Opportunities (in progress)"),
                sales_cycle=self.object.code,
                status=Opportunity.Status.IN_PROGRESS,
            ),
        }
        return context
