"""Search and filters of the contact and salesperson lists."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from contacts.models import Contact, Salesperson


class ContactFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="search",
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Number, name, email or phone")}
        ),
    )
    type = django_filters.ChoiceFilter(
        label=_("Type"), choices=Contact.Type.choices, empty_label=_("All")
    )
    salesperson = django_filters.ModelChoiceFilter(
        label=_("Salesperson"),
        queryset=Salesperson.objects.all(),
        to_field_name="code",
        empty_label=_("All"),
    )

    class Meta:
        model = Contact
        fields = ["q", "type", "salesperson"]

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(number__icontains=value)
            | Q(name__icontains=value)
            | Q(email__icontains=value)
            | Q(phone__icontains=value)
        )


class SalespersonFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="search",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Code, name or email")}),
    )

    class Meta:
        model = Salesperson
        fields = ["q"]

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(code__icontains=value) | Q(name__icontains=value) | Q(email__icontains=value)
        )
