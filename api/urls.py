"""The API's URLs, under /api/v1/, and the API tokens page."""

from django.urls import include, path
from drf_spectacular.renderers import OpenApiJsonRenderer, OpenApiYamlRenderer
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from api import docs, jobs, setup, views

app_name = "api"

router = SimpleRouter(trailing_slash=True)
router.register("contacts", setup.ContactViewSet, basename="contact")
router.register("salespeople", setup.SalespersonViewSet, basename="salesperson")
router.register("sales-cycles", setup.SalesCycleViewSet, basename="salescycle")
router.register("close-codes", setup.CloseCodeViewSet, basename="closecode")

stage_list = setup.StageViewSet.as_view({"get": "list", "post": "create"})
stage_detail = setup.StageViewSet.as_view(
    {"get": "retrieve", "patch": "partial_update", "delete": "destroy"}
)


class SchemaView(SpectacularAPIView):
    """The OpenAPI schema as JSON (`?format=yaml` for YAML), for a token or a session."""

    renderer_classes = [OpenApiJsonRenderer, OpenApiYamlRenderer]

    @classmethod
    def as_view(cls, **initkwargs):
        view = super().as_view(**initkwargs)
        view.login_required = False
        return view


opportunity = "opportunities/<str:number>/"

urlpatterns = [
    path("opportunities/", views.OpportunityList.as_view(), name="opportunities"),
    path(opportunity, views.OpportunityDetail.as_view(), name="opportunity"),
    path(f"{opportunity}activate/", views.OpportunityActivate.as_view(), name="activate"),
    path(f"{opportunity}update/", views.OpportunityUpdate.as_view(), name="update"),
    path(f"{opportunity}close/", views.OpportunityClose.as_view(), name="close"),
    path(f"{opportunity}quote/", views.OpportunityQuote.as_view(), name="create_quote"),
    path("quotes/<str:number>/", views.QuoteDetail.as_view(), name="quote"),
    path("quotes/<str:number>/order/", views.QuoteOrder.as_view(), name="make_order"),
    path("orders/<str:number>/", views.OrderDetail.as_view(), name="order"),
    path("sales-cycles/<str:sales_cycle_code>/stages/", stage_list, name="stage-list"),
    path(
        "sales-cycles/<str:sales_cycle_code>/stages/<str:stage>/",
        stage_detail,
        name="stage-detail",
    ),
    path(
        "jobs/delete-opportunities/",
        jobs.DeletionJobStart.as_view(),
        name="delete_opportunities",
    ),
    path("jobs/<str:id>/", jobs.JobDetail.as_view(), name="job"),
    path("", include(router.urls)),
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", docs.DocsView.as_view(url_name="api:schema"), name="docs"),
]
