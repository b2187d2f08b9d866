"""Setup data over the API: contacts, salespeople, sales cycles with their stages, close codes.

Reading needs the model's view permission (every role has it, as for the pages), writing its
add / change / delete permission (the sales managers'). Writes obey the rules the admin obeys:
the model's `full_clean()` (a bad value is 400 by field; a guard such as "the type cannot change
while opportunities refer to it" is 409 `protected`), and a deletion goes through the model's
`delete()` with its guard: refused as 409 `protected`, nothing deleted.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, ProtectedError, RestrictedError
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.exceptions import ValidationError as BadShape

from api.errors import Refused
from api.pagination import SetupPagination
from api.serializers import (
    CloseCodeSerializer,
    ContactSerializer,
    SalesCycleSerializer,
    SalespersonSerializer,
    StageSerializer,
)
from contacts.models import Contact, Salesperson
from opportunities.models import CloseOpportunityCode
from opportunities.services import Refusal
from salescycles.models import SalesCycle, SalesCycleStage

GUARD_CODES = {"protected", "blocked"}


class ModelPermissions(permissions.DjangoModelPermissions):
    """The model's permissions, reading included (`view_`), as the pages require."""

    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
    }


def guard_refusal(error: ValidationError) -> Refused | None:
    """A model's guard among the errors of `full_clean()`, as a refusal."""
    errors = error.error_dict.values() if hasattr(error, "error_dict") else [error.error_list]
    for items in errors:
        for item in items:
            if item.code in GUARD_CODES:
                return Refused(item.code, " ".join(item.messages))
    return None


class SetupViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [permissions.IsAuthenticated, ModelPermissions]
    pagination_class = SetupPagination
    lookup_value_regex = "[^/]+"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    @classmethod
    def as_view(cls, actions=None, **initkwargs):
        view = super().as_view(actions, **initkwargs)
        view.login_required = False  # DRF authenticates (401 as JSON), not the login redirect
        return view

    def perform_create(self, serializer):
        serializer.instance = self.clean_and_save(
            serializer.Meta.model(**self.extra_fields(), **serializer.validated_data)
        )

    def perform_update(self, serializer):
        instance = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(instance, name, value)
        serializer.instance = self.clean_and_save(instance)

    def extra_fields(self) -> dict:
        return {}

    def clean_and_save(self, instance):
        try:
            instance.full_clean()
            # clean() may change a value after its field was checked: an upper-cased "ß" is
            # "SS", one character longer than the column may be.
            instance.clean_fields()
        except ValidationError as error:
            raise (guard_refusal(error) or BadShape(serializers.as_serializer_error(error))) from (
                error
            )
        instance.save()
        return instance

    def perform_destroy(self, instance):
        try:
            with transaction.atomic():
                instance.delete()
        except ValidationError as error:
            code = getattr(error, "code", None) or "protected"
            raise Refused(code, " ".join(error.messages)) from error
        except (ProtectedError, RestrictedError, IntegrityError) as error:
            # Referred to by something outside the guard (a quote, a customer, a company's
            # persons): the database's own refusal, in the guard's words.
            refused = Refusal("protected", what=str(instance))
            raise Refused("protected", " ".join(refused.messages)) from error


@extend_schema_view(
    list=extend_schema(summary="Salespeople"),
    retrieve=extend_schema(summary="A salesperson"),
)
class SalespersonViewSet(SetupViewSet):
    queryset = Salesperson.objects.all()
    serializer_class = SalespersonSerializer
    lookup_field = "code"
    ordering = "code"


@extend_schema_view(
    list=extend_schema(summary="Contacts"),
    retrieve=extend_schema(summary="A contact"),
)
class ContactViewSet(SetupViewSet):
    queryset = Contact.objects.select_related("company", "salesperson", "customer")
    serializer_class = ContactSerializer
    lookup_field = "number"
    ordering = "number"


STAGES = Prefetch("stages", queryset=SalesCycleStage.objects.order_by("stage"))


@extend_schema_view(
    list=extend_schema(summary="Sales cycles with their stages"),
    retrieve=extend_schema(summary="A sales cycle with its stages"),
)
class SalesCycleViewSet(SetupViewSet):
    queryset = SalesCycle.objects.prefetch_related(STAGES)
    serializer_class = SalesCycleSerializer
    lookup_field = "code"
    ordering = "code"


@extend_schema_view(
    list=extend_schema(summary="The stages of a sales cycle"),
    retrieve=extend_schema(summary="A stage, by its number"),
)
class StageViewSet(SetupViewSet):
    serializer_class = StageSerializer
    lookup_field = "stage"
    lookup_value_regex = "[0-9]+"
    ordering = "stage"
    queryset = SalesCycleStage.objects.all()

    def cycle(self) -> SalesCycle:
        if not hasattr(self, "_cycle"):
            self._cycle = get_object_or_404(SalesCycle, code=self.kwargs["sales_cycle_code"])
        return self._cycle

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema's generation
            return SalesCycleStage.objects.none()
        return SalesCycleStage.objects.filter(sales_cycle=self.cycle()).select_related(
            "sales_cycle"
        )

    def get_object(self):
        text = self.kwargs["stage"]
        if len(text) > 10:  # no stage number has more digits than an integer column holds
            raise Http404
        return super().get_object()

    def extra_fields(self) -> dict:
        return {"sales_cycle": self.cycle()}


@extend_schema_view(
    list=extend_schema(summary="Close opportunity codes"),
    retrieve=extend_schema(summary="A close opportunity code"),
)
class CloseCodeViewSet(SetupViewSet):
    queryset = CloseOpportunityCode.objects.all()
    serializer_class = CloseCodeSerializer
    lookup_field = "code"
    ordering = "code"
