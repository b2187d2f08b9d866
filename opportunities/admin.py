"""Admin: close codes are setup data; opportunities and entries are shown, not edited.

State (status, stages, figures, entries) only changes through the services; the admin's
delete of opportunities calls them too.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from opportunities import permissions, services
from opportunities.models import (
    CloseOpportunityCode,
    Opportunity,
    OpportunityEntry,
    Quote,
    QuoteLine,
    SalesOrder,
    SalesOrderLine,
)
from protection.admin import ProtectedDeleteAdmin


@admin.register(CloseOpportunityCode)
class CloseOpportunityCodeAdmin(ProtectedDeleteAdmin):
    list_display = ["code", "description", "type"]
    list_filter = ["type"]
    search_fields = ["code", "description"]


class EntryInline(admin.TabularInline):
    model = OpportunityEntry
    fields = [
        "action_taken",
        "stage_description",
        "date_of_change",
        "days_open",
        "active",
        "estimated_value",
        "chances_of_success",
        "probability",
        "calcd_current_value",
        "close_code",
        "created_by",
    ]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["-pk"]

    def has_add_permission(self, request, obj=None):
        return False


EDITABLE_FIELDS = ["description", "contact", "salesperson", "sales_cycle", "priority"]
STATE_FIELDS = [
    "number",
    "status",
    "creation_date",
    "date_closed",
    "current_stage",
    "estimated_value",
    "chances_of_success",
    "completed",
    "probability",
    "calcd_current_value",
    "estimated_close_date",
    "quote",
    "order",
    "version",
]


class OpportunityAdminForm(forms.ModelForm):
    """The change form carries the version it was rendered with, for the service's stale check."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Opportunity
        fields = EDITABLE_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["expected_version"].initial = self.instance.version


@admin.register(Opportunity)
class OpportunityAdmin(admin.ModelAdmin):
    form = OpportunityAdminForm
    list_display = [
        "number",
        "description",
        "contact",
        "salesperson",
        "status",
        "current_stage",
        "estimated_value",
        "calcd_current_value",
    ]
    list_filter = ["status", "priority", "sales_cycle", "salesperson"]
    search_fields = ["number", "description"]
    list_select_related = ["contact", "salesperson", "current_stage"]
    readonly_fields = STATE_FIELDS
    fields = [*EDITABLE_FIELDS, "expected_version", *STATE_FIELDS]
    autocomplete_fields = ["contact", "salesperson", "sales_cycle"]
    inlines = [EntryInline]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False  # created through the opportunity pages, which call the services

    def has_change_permission(self, request, obj=None):
        # A closed opportunity's fields no longer change (change_opportunity refuses them).
        allowed = super().has_change_permission(request, obj)
        return allowed and (
            obj is None or (not obj.closed and permissions.can_act_on(request.user, obj))
        )

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        open_ones = [str(obj) for obj in objs if not obj.closed]
        if open_ones:
            protected = [
                *protected,
                _("You can only delete closed opportunities: %(list)s")
                % {"list": ", ".join(open_ones)},
            ]
        return deleted, counts, perms_needed, protected

    def delete_model(self, request, obj):
        self.delete_queryset(request, [obj])

    def delete_queryset(self, request, queryset):
        for opportunity in queryset:
            try:
                services.delete_opportunity(opportunity)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)

    def save_model(self, request, obj, form, change):
        """The change goes through `change_opportunity`: its rules, its lock, its stale check."""
        changes = {
            name: form.cleaned_data[name] for name in form.changed_data if name in EDITABLE_FIELDS
        }
        services.change_opportunity(
            obj,
            **changes,
            expected_version=form.cleaned_data["expected_version"],
            user=request.user,
        )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # A refusal raised by the service in save_model rolls the admin's transaction back
        # (nothing was written); the user gets the form again, showing the current state.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


@admin.register(OpportunityEntry)
class OpportunityEntryAdmin(admin.ModelAdmin):
    list_display = [
        "opportunity",
        "action_taken",
        "stage_description",
        "date_of_change",
        "active",
        "days_open",
        "calcd_current_value",
        "created_by",
    ]
    list_filter = ["action_taken", "active"]
    list_select_related = ["opportunity", "created_by"]
    search_fields = ["opportunity__number"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class QuoteLineInline(admin.TabularInline):
    model = QuoteLine
    fields = ["line_no", "description", "quantity", "unit_price"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Quote)
class QuoteAdmin(admin.ModelAdmin):
    list_display = ["number", "contact", "customer", "salesperson", "order_date", "status"]
    list_filter = ["status"]
    search_fields = ["number", "contact__name"]
    list_select_related = ["contact", "customer", "salesperson"]
    readonly_fields = ["number", "contact", "customer", "salesperson", "order_date", "status"]
    inlines = [QuoteLineInline]
    actions = ["delete_open_quotes"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Delete selected open quotes"), permissions=["change"])
    def delete_open_quotes(self, request, queryset):
        deleted = 0
        for quote in queryset:
            opportunity = Opportunity.objects.filter(quote=quote).first()
            if not permissions.may_delete_quote(request.user, quote, opportunity):
                self.message_user(
                    request,
                    _("You may not change quote %(quote)s.") % {"quote": quote.number},
                    messages.ERROR,
                )
                continue
            try:
                services.delete_quote(quote)
                deleted += 1
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
        if deleted:
            self.message_user(
                request,
                ngettext("%(count)d quote deleted.", "%(count)d quotes deleted.", deleted)
                % {"count": deleted},
            )


class OrderLineInline(QuoteLineInline):
    model = SalesOrderLine


@admin.register(SalesOrder)
class SalesOrderAdmin(admin.ModelAdmin):
    list_display = ["number", "quote", "customer", "salesperson", "order_date"]
    search_fields = ["number", "customer__name"]
    list_select_related = ["quote", "customer", "salesperson"]
    readonly_fields = ["number", "quote", "contact", "customer", "salesperson", "order_date"]
    inlines = [OrderLineInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
