"""The opportunity endpoints, and quotes and orders.

Each view is thin, as the pages' are: it checks the permission the page checks
(`opportunities.permissions`), parses the body with a serializer (a bad shape is 400), calls one
service and answers with the opportunity as it now is. A service's refusal is 409 with its code
and message, a stale `If-Match` 412; nothing is written in either case.
"""

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.exceptions import ValidationError as BadShape
from rest_framework.response import Response
from rest_framework.views import APIView

from api import pagination
from api.errors import Stale, refusal
from api.filters import ApiOpportunityFilter
from api.serializers import (
    CloseSerializer,
    MakeOrderSerializer,
    OpportunityChangeSerializer,
    OpportunityCreateSerializer,
    OpportunityDetailSerializer,
    OpportunitySerializer,
    OrderSerializer,
    QuoteSerializer,
    UpdateSerializer,
    entry_data,
    opportunity_data,
    order_data,
    quote_data,
)
from opportunities import permissions, services
from opportunities.models import Opportunity, OpportunityEntry, Quote, SalesOrder
from salescycles.models import SalesCycle, SalesCycleStage

RELATED = ("contact", "salesperson", "sales_cycle", "current_stage", "quote", "order")
# A list page's rows get their cycles from the query of the cycles' stages instead: one join
# fewer for the planner of the page's query, its costliest part at 100,000 rows and more.
LIST_RELATED = ("contact", "salesperson", "current_stage", "quote", "order")
# ...and only the columns of those that a row shows (`opportunity_data`, `available_actions`).
LIST_FIELDS = (
    *(field.name for field in Opportunity._meta.concrete_fields),
    "contact__number",
    "contact__type",
    "salesperson__code",
    "current_stage__stage",
    "current_stage__description",
    "quote__number",
    "order__number",
)
ENTRY_RELATED = ("sales_cycle", "stage", "contact", "salesperson", "close_code", "created_by")

IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    description='The ETag the client last read ("7"); another version answers 412 stale.',
)


# (No docstrings on the view classes: the schema would show them as every operation's
# description. Each operation's `extend_schema` says what it does.)


class ApiView(APIView):
    # DRF authenticates the API (401 as JSON), not the site's login redirect.

    @classmethod
    def as_view(cls, **initkwargs):
        view = super().as_view(**initkwargs)
        view.login_required = False  # what django.contrib.auth's login_not_required sets
        return view


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied()


def require_view(request, model) -> None:
    meta = model._meta
    require(request.user.has_perm(f"{meta.app_label}.view_{meta.model_name}"))


# --- the opportunity and its ETag ---------------------------------------------------------------


def etag(opportunity: Opportunity) -> str:
    return f'"{opportunity.version}"'


def expected_version(request, opportunity: Opportunity) -> int | None:
    """The version an If-Match names (None: no check). A value that is no version of ours
    matches none, so the service refuses it as stale."""
    header = request.headers.get("If-Match", "").strip()
    if not header:
        return None
    versions = set()
    for tag in (part.strip() for part in header.split(",")):
        if tag == "*":
            return None
        tag = tag.removeprefix("W/")
        text = tag[1:-1] if len(tag) >= 2 and tag[0] == tag[-1] == '"' else ""
        if text.isascii() and text.isdigit() and len(text) <= 10:
            versions.add(int(text))
    if len(versions) == 1:
        return versions.pop()
    # Several tags: the current version when it is one of them (the service re-checks it on
    # the locked row), else a version that matches none.
    return opportunity.version if opportunity.version in versions else 0


def opportunity_or_404(number: str) -> Opportunity:
    return get_object_or_404(Opportunity.objects.select_related(*RELATED), number=number)


def actions_for(request, opportunity: Opportunity, stages=None) -> dict:
    """What the user may do now: the services' offer, when the user may act on it at all."""
    if not permissions.can_act_on(request.user, opportunity):
        return {}
    return services.available_actions(opportunity, stages=stages)


def opportunity_response(request, opportunity: Opportunity, *, code=status.HTTP_200_OK):
    data = opportunity_data(opportunity, actions_for(request, opportunity))
    response = Response(data, status=code)
    response["ETag"] = etag(opportunity)
    if code == status.HTTP_201_CREATED:
        response["Location"] = opportunity_url(request, opportunity)
    return response


def opportunity_url(request, opportunity: Opportunity) -> str:
    return request.build_absolute_uri(reverse("api:opportunity", args=[opportunity.number]))


def stale_refusal(error: ValidationError, opportunity: Opportunity):
    """The answer to a refusal; a stale one carries the opportunity's current ETag."""
    if getattr(error, "code", None) == "stale":
        current = Opportunity.objects.filter(pk=opportunity.pk).values_list("version", flat=True)
        version = current.first()
        message = _(
            "Opportunity %(number)s has changed since that version: it is now at version "
            "%(version)s. Read it again, then retry."
        ) % {"number": opportunity.number, "version": version}
        return Stale(message, etag=f'"{version}"' if version is not None else None)
    return refusal(error)


def validated(serializer_class, request):
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer


PAGE = inline_serializer(
    "OpportunityPage",
    {
        "results": OpportunitySerializer(many=True),
        "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True),
        "first": serializers.URLField(allow_null=True),
        "last": serializers.URLField(allow_null=True),
    },
)


def filter_parameters(filterset_class) -> list[OpenApiParameter]:
    """The FilterSet's filters as the schema's query parameters."""
    parameters = []
    for name, found in filterset_class.base_filters.items():
        kind, enum = str, None
        if isinstance(found, django_filters.BooleanFilter):
            kind = bool
        elif isinstance(found, django_filters.DateFilter):
            kind = OpenApiTypes.DATE
        elif isinstance(found, django_filters.ModelChoiceFilter):
            kind = OpenApiTypes.INT if found.field_name == "current_stage" else str
        elif isinstance(found, django_filters.ChoiceFilter):
            choices = found.extra["choices"]
            enum = [value for value, _label in (choices() if callable(choices) else choices)]
        description = found.extra.get("help_text") or str(found.label or "")
        parameters.append(OpenApiParameter(name, kind, enum=enum, description=description))
    return parameters


PAGE_PARAMETERS = [
    OpenApiParameter(pagination.CURSOR, str, description="From a page's next, previous or last."),
    OpenApiParameter(
        pagination.PAGE_SIZE,
        int,
        description=f"Rows per page, 1 to {pagination.MAX_PAGE_SIZE} "
        f"(default {pagination.DEFAULT_PAGE_SIZE}).",
    ),
]


class OpportunityList(ApiView):
    filterset_class = ApiOpportunityFilter

    @extend_schema(
        operation_id="opportunities_list",
        summary="The opportunity list",
        description="The list page's filters and sort, in pages by cursor.",
        parameters=[*filter_parameters(ApiOpportunityFilter), *PAGE_PARAMETERS],
        responses=PAGE,
    )
    def get(self, request):
        require_view(request, Opportunity)
        filterset = ApiOpportunityFilter(request.query_params, queryset=Opportunity.objects.all())
        if not filterset.is_valid():
            raise BadShape(filterset.errors)
        sort = filterset.sort_key
        rows = filterset.qs.select_related(*LIST_RELATED).only(*LIST_FIELDS)
        page = pagination.paginate(request, rows, sort)
        cycles = cycles_with_stages({row.sales_cycle_id for row in page.rows})
        results = []
        for row in page.rows:
            row.sales_cycle, stages = cycles[row.sales_cycle_id]
            results.append(opportunity_data(row, actions_for(request, row, stages)))
        return Response({"results": results, **pagination.links(request, page, sort)})

    @extend_schema(
        operation_id="opportunities_create",
        summary="New opportunity",
        request=OpportunityCreateSerializer,
        responses={201: OpportunitySerializer},
    )
    def post(self, request):
        require(permissions.can_create(request.user))
        data = validated(OpportunityCreateSerializer, request).validated_data
        salesperson = data.get("salesperson")
        sole = permissions.sole_salesperson(request.user)
        if sole is not None:
            if salesperson is not None and salesperson != sole:
                message = _("You can only create opportunities for yourself (%(code)s).")
                raise BadShape({"salesperson": [message % {"code": sole.code}]})
            salesperson = sole
        try:
            opportunity = services.create_opportunity(
                description=data["description"],
                contact=data["contact"],
                salesperson=salesperson,
                sales_cycle=data["sales_cycle"],
                priority=data["priority"],
                activate_first_stage=data["activate_first_stage"],
                estimated_value=data.get("estimated_value"),
                chances_of_success=data.get("chances_of_success"),
                estimated_close_date=data.get("estimated_close_date"),
                user=request.user,
            )
        except ValidationError as error:
            raise refusal(error) from error
        return opportunity_response(request, opportunity, code=status.HTTP_201_CREATED)


def cycles_with_stages(cycle_ids) -> dict[int, tuple[SalesCycle, list[SalesCycleStage]]]:
    """These cycles with their stages in order (a list page's cycle codes and available
    actions), in one query, and a second only for cycles without any stage."""
    found: dict[int, tuple[SalesCycle, list[SalesCycleStage]]] = {}
    stages = SalesCycleStage.objects.filter(sales_cycle_id__in=cycle_ids).select_related(
        "sales_cycle"
    )
    for stage in stages.order_by("sales_cycle_id", "stage") if cycle_ids else ():
        found.setdefault(stage.sales_cycle_id, (stage.sales_cycle, []))[1].append(stage)
    missing = set(cycle_ids) - found.keys()
    for cycle in SalesCycle.objects.filter(pk__in=missing) if missing else ():
        found[cycle.pk] = (cycle, [])
    return found


class OpportunityDetail(ApiView):
    @extend_schema(
        operation_id="opportunities_retrieve",
        summary="An opportunity with its entries",
        responses=OpportunityDetailSerializer,
    )
    def get(self, request, number: str):
        require_view(request, Opportunity)
        entries = OpportunityEntry.objects.select_related(*ENTRY_RELATED).order_by("-pk")
        opportunity = get_object_or_404(
            Opportunity.objects.select_related(*RELATED).prefetch_related(
                Prefetch("entries", queryset=entries)
            ),
            number=number,
        )
        data = opportunity_data(opportunity, actions_for(request, opportunity))
        data["entries"] = [entry_data(entry) for entry in opportunity.entries.all()]
        response = Response(data)
        response["ETag"] = etag(opportunity)
        return response

    @extend_schema(
        operation_id="opportunities_partial_update",
        summary="Edit the general fields (change_opportunity)",
        parameters=[IF_MATCH],
        request=OpportunityChangeSerializer,
        responses=OpportunitySerializer,
    )
    def patch(self, request, number: str):
        opportunity = opportunity_or_404(number)
        require(permissions.can_act_on(request.user, opportunity))
        serializer = validated(OpportunityChangeSerializer, request)
        try:
            services.change_opportunity(
                opportunity,
                **serializer.validated_data,
                user=request.user,
                expected_version=expected_version(request, opportunity),
            )
        except ValidationError as error:
            raise stale_refusal(error, opportunity) from error
        return opportunity_response(request, opportunity)

    @extend_schema(
        operation_id="opportunities_destroy",
        summary="Delete a closed opportunity",
        parameters=[IF_MATCH],
        responses={204: None},
    )
    def delete(self, request, number: str):
        opportunity = opportunity_or_404(number)
        require(permissions.can_delete(request.user))
        try:
            services.delete_opportunity(
                opportunity, expected_version=expected_version(request, opportunity)
            )
        except ValidationError as error:
            raise stale_refusal(error, opportunity) from error
        return Response(status=status.HTTP_204_NO_CONTENT)


class OpportunityAction(ApiView):
    # An action on one opportunity, by someone who may act on it: its body checked by
    # `serializer_class` (none: no body), one service call (`act`), then the opportunity as it
    # now is. A refusal is 409, a stale If-Match 412; nothing is written in either case.
    serializer_class = None

    def post(self, request, number: str):
        # No joins: the service locks and reads the row with what it names, and gives this
        # instance what it read (the answer's contact, salesperson, cycle, stage and quote).
        opportunity = get_object_or_404(Opportunity, number=number)
        require(permissions.can_act_on(request.user, opportunity) and self.allowed(request))
        serializer_class = self.serializer_class
        data = validated(serializer_class, request).validated_data if serializer_class else {}
        try:
            made = self.act(
                opportunity,
                data,
                user=request.user,
                expected_version=expected_version(request, opportunity),
            )
        except ValidationError as error:
            raise stale_refusal(error, opportunity) from error
        return self.respond(request, opportunity, made)

    def allowed(self, request) -> bool:
        """What the action needs beyond acting on the opportunity."""
        return True

    def act(self, opportunity: Opportunity, data: dict, *, user, expected_version):
        raise NotImplementedError

    def respond(self, request, opportunity: Opportunity, made) -> Response:
        return opportunity_response(request, opportunity)


def action_schema(operation_id: str, summary: str, *, request=None, responses=None):
    """The schema of an action's POST (inherited from OpportunityAction)."""
    return extend_schema_view(
        post=extend_schema(
            operation_id=operation_id,
            summary=summary,
            parameters=[IF_MATCH],
            request=request,
            responses=responses or OpportunitySerializer,
        )
    )


@action_schema("opportunities_activate", "Activate first stage")
class OpportunityActivate(OpportunityAction):
    def act(self, opportunity, data, **common):
        services.activate_first_stage(opportunity, **common)


@action_schema(
    "opportunities_update_stage",
    "Update opportunity: next, skip, previous, jump, update, first",
    request=UpdateSerializer,
)
class OpportunityUpdate(OpportunityAction):
    serializer_class = UpdateSerializer

    def act(self, opportunity, data, **common):
        to_stage = None
        if data.get("to_stage") is not None:
            to_stage = stage_of(opportunity, data["to_stage"])
        services.update_opportunity(
            opportunity,
            action=data["action"],
            to_stage=to_stage,
            **given_values(
                data,
                "date_of_change",
                "estimated_value",
                "chances_of_success",
                "estimated_close_date",
            ),
            **common,
        )


def given_values(data: dict, *names: str) -> dict:
    return {name: data.get(name) for name in names}


def stage_of(opportunity: Opportunity, number: int) -> SalesCycleStage:
    """The stage of the opportunity's cycle with this number. A number the cycle does not have
    is a stage no action targets: the service refuses it (invalid_target) after its earlier
    checks, as it refuses a stage of another cycle."""
    stage = SalesCycleStage.objects.filter(
        sales_cycle_id=opportunity.sales_cycle_id, stage=number
    ).first()
    return stage if stage is not None else SalesCycleStage(stage=number)


@action_schema("opportunities_close", "Close opportunity as won or lost", request=CloseSerializer)
class OpportunityClose(OpportunityAction):
    serializer_class = CloseSerializer

    def act(self, opportunity, data, **common):
        services.close_opportunity(
            opportunity,
            outcome=data["outcome"],
            **given_values(data, "close_code", "date_closed", "sales_value"),
            **common,
        )


@action_schema("opportunities_create_quote", "Create quote", responses={201: QuoteSerializer})
class OpportunityQuote(OpportunityAction):
    def allowed(self, request) -> bool:
        return request.user.has_perm("opportunities.add_quote")

    def act(self, opportunity, data, *, user, expected_version):
        return services.create_quote(opportunity, expected_version=expected_version)

    def respond(self, request, opportunity, quote):
        response = Response(quote_data(quote, opportunity), status=status.HTTP_201_CREATED)
        response["Location"] = request.build_absolute_uri(reverse("api:quote", args=[quote.number]))
        response["ETag"] = etag(opportunity)
        return response


# --- quotes and orders --------------------------------------------------------------------------


def quote_or_404(number: str) -> Quote:
    return get_object_or_404(
        Quote.objects.select_related("contact", "customer", "salesperson"), number=number
    )


def linked_opportunity(**link) -> Opportunity | None:
    return Opportunity.objects.select_related(*RELATED).filter(**link).first()


class QuoteDetail(ApiView):
    @extend_schema(operation_id="quotes_retrieve", summary="A quote", responses=QuoteSerializer)
    def get(self, request, number: str):
        require_view(request, Quote)
        quote = quote_or_404(number)
        return Response(quote_data(quote, linked_opportunity(quote=quote)))


class QuoteOrder(ApiView):
    @extend_schema(
        operation_id="quotes_make_order",
        summary="Make order",
        description="An opportunity in progress is won in the same step (a won close code "
        "needed); If-Match is the linked opportunity's ETag.",
        parameters=[IF_MATCH],
        request=MakeOrderSerializer,
        responses={201: OrderSerializer},
    )
    def post(self, request, number: str):
        quote = quote_or_404(number)
        opportunity = linked_opportunity(quote=quote)
        require(permissions.may_make_order(request.user, quote, opportunity))
        data = validated(MakeOrderSerializer, request).validated_data
        try:
            order = services.make_order(
                quote,
                close_code=data.get("close_code"),
                date_closed=data.get("date_closed"),
                user=request.user,
                expected_version=(
                    expected_version(request, opportunity) if opportunity is not None else None
                ),
            )
        except ValidationError as error:
            if opportunity is None:
                raise refusal(error) from error
            raise stale_refusal(error, opportunity) from error
        won = linked_opportunity(order=order)
        response = Response(order_data(order, won), status=status.HTTP_201_CREATED)
        response["Location"] = request.build_absolute_uri(reverse("api:order", args=[order.number]))
        return response


class OrderDetail(ApiView):
    @extend_schema(operation_id="orders_retrieve", summary="An order", responses=OrderSerializer)
    def get(self, request, number: str):
        require_view(request, SalesOrder)
        order = get_object_or_404(
            SalesOrder.objects.select_related("quote", "contact", "customer", "salesperson"),
            number=number,
        )
        return Response(order_data(order, linked_opportunity(order=order)))
