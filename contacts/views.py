"""Contact and salesperson pages: lists with search, cards with statistics and opportunities."""

from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST
from django.views.generic import DetailView
from django_filters.views import FilterView

from contacts.filters import ContactFilter, SalespersonFilter
from contacts.models import Contact, Salesperson
from opportunities import permissions, services
from opportunities.models import Opportunity
from web.paging import KeysetPagingMixin
from web.shortcuts import (
    LIST_RELATED,
    ResultsPartialMixin,
    counted,
    done,
    list_rows,
    refused,
    safe_next,
)

CARD_OPPORTUNITIES = 10
# What the statistics of a contact or a salesperson count.
ALL_COUNTED = _lazy("Opportunities (all, closed included)")


class ContactListView(PermissionRequiredMixin, ResultsPartialMixin, KeysetPagingMixin, FilterView):
    """Contacts by number, searched and filtered, paged like the opportunity list (keyset
    pages, a capped count), so that a list of 100,000 contacts costs what a short one does."""

    permission_required = "contacts.view_contact"
    filterset_class = ContactFilter
    template_name = "contacts/contact_list.html"
    paginate_by = 25
    sorts = {"number": (F("number"), str)}
    default_sort = "number"

    def get_queryset(self):
        return Contact.objects.all()

    def page_queryset(self, queryset):
        return queryset.select_related("company", "salesperson", "customer")


class ContactDetailView(PermissionRequiredMixin, DetailView):
    """Contact card: its fields, persons, statistics and opportunities (a company's include
    those of its persons)."""

    permission_required = "contacts.view_contact"

    template_name = "contacts/contact_detail.html"
    slug_field = slug_url_kwarg = "number"
    context_object_name = "contact"

    def get_queryset(self):
        return Contact.objects.select_related("company", "salesperson", "customer")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        contact = self.object
        opportunities = Opportunity.objects.for_contact(contact).select_related(*LIST_RELATED)
        context |= {
            "statistics": contact.statistics(),
            "counted": counted(ALL_COUNTED, contact=contact.number),
            "rows": list_rows(self.request.user, opportunities[:CARD_OPPORTUNITIES]),
            "persons": list(contact.persons.all()) if contact.is_company else [],
            "can_create": permissions.can_create(self.request.user),
            "can_create_customer": permissions.can_create_customer(self.request.user, contact)
            and not contact.is_customer,
        }
        return context


@require_POST
def create_customer(request: HttpRequest, number: str) -> HttpResponse:
    """Create as customer: the contact becomes a customer; by its salesperson or a
    manager."""
    contact = get_object_or_404(Contact, number=number)
    if not permissions.can_create_customer(request.user, contact):
        raise PermissionDenied
    back = safe_next(request, contact.get_absolute_url())
    try:
        customer = services.create_customer(contact)
    except services.Refusal as error:
        return refused(request, error, back)
    message = _("Contact %(contact)s is now customer %(customer)s.") % {
        "contact": f"{contact.number} {contact.name}",
        "customer": customer.number,
    }
    return done(request, message, back)


class SalespersonListView(
    PermissionRequiredMixin, ResultsPartialMixin, KeysetPagingMixin, FilterView
):
    """Salespeople by code, searched, paged like the opportunity list."""

    permission_required = "contacts.view_salesperson"
    filterset_class = SalespersonFilter
    template_name = "contacts/salesperson_list.html"
    paginate_by = 25
    sorts = {"code": (F("code"), str)}
    default_sort = "code"

    def get_queryset(self):
        return Salesperson.objects.all()


class SalespersonDetailView(PermissionRequiredMixin, DetailView):
    permission_required = "contacts.view_salesperson"
    model = Salesperson
    template_name = "contacts/salesperson_detail.html"
    slug_field = slug_url_kwarg = "code"
    context_object_name = "salesperson"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        salesperson = self.object
        opportunities = salesperson.opportunities.select_related(*LIST_RELATED)
        context |= {
            "statistics": salesperson.statistics(),
            "counted": counted(ALL_COUNTED, salesperson=salesperson.code),
            "rows": list_rows(self.request.user, opportunities[:CARD_OPPORTUNITIES]),
            # "New" on this card makes the opportunity theirs: a manager's, or their own.
            "can_create": permissions.can_create(self.request.user)
            and permissions.can_assign(self.request.user, salesperson),
        }
        return context
