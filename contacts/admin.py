"""Admin for setup data: salespeople, contacts and customers."""

from django.contrib import admin

from contacts.models import Contact, Customer, Salesperson
from opportunities.services import create_customer
from protection.admin import ProtectedDeleteAdmin


@admin.register(Salesperson)
class SalespersonAdmin(ProtectedDeleteAdmin):
    list_display = ["code", "name", "email", "blocked", "user"]
    list_filter = ["blocked"]
    search_fields = ["code", "name", "email"]
    autocomplete_fields = ["user"]


class PersonInline(admin.TabularInline):
    model = Contact
    fk_name = "company"
    fields = ["number", "name", "email", "phone", "salesperson"]
    readonly_fields = ["number"]
    extra = 0
    show_change_link = True
    can_delete = False


@admin.register(Contact)
class ContactAdmin(ProtectedDeleteAdmin):
    list_display = ["number", "name", "type", "company", "salesperson", "is_customer"]
    list_filter = ["type", "salesperson"]
    search_fields = ["number", "name", "email"]
    list_select_related = ["company", "salesperson", "customer"]
    autocomplete_fields = ["company", "salesperson"]
    readonly_fields = ["number"]
    inlines = [PersonInline]

    @admin.display(boolean=True, description=Customer._meta.verbose_name)
    def is_customer(self, contact):
        return contact.is_customer


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    """A new customer is made by `create_customer` from its contact, as on the contact card."""

    list_display = ["number", "name", "contact"]
    search_fields = ["number", "name", "contact__number", "contact__name"]
    autocomplete_fields = ["contact"]
    readonly_fields = ["number"]
    list_select_related = ["contact"]

    def get_fields(self, request, obj=None):
        return ["contact"] if obj is None else ["number", "name", "contact"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        made = create_customer(form.cleaned_data["contact"])
        obj.pk, obj.number, obj.name = made.pk, made.number, made.name
