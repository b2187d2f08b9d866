"""The pickers' search endpoints: the suggestions of a contact or salesperson picker
(`contacts.pickers`) as the options of its datalist, for the text typed so far."""

from django import forms
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views import View

from contacts import pickers
from contacts.models import Contact

OPTIONS_TEMPLATE = "includes/_picker_options.html"


class SearchForm(forms.Form):
    """What a picker sends: the name of its field (`field`) and the text typed in it under
    that name, or the text as `q`; `company` keeps to a company's contacts, `active` to
    salespeople who are not blocked."""

    field = forms.CharField(required=False, max_length=100)
    company = forms.CharField(required=False, max_length=20)
    active = forms.BooleanField(required=False)

    def text(self) -> str:
        name = self.cleaned_data["field"] or "q"
        return (self.data.get(name) or self.data.get("q") or "")[:100]


class ContactSearchView(PermissionRequiredMixin, View):
    """A picker's suggestions: up to twenty contacts whose number starts with the text typed
    or whose name holds it, as the options of its datalist."""

    permission_required = "contacts.view_contact"

    def get(self, request: HttpRequest) -> HttpResponse:
        form = SearchForm(request.GET)
        options = []
        if form.is_valid():
            company = None
            if number := form.cleaned_data["company"].strip().upper():
                company = Contact.objects.filter(number=number).first()
            if company is not None or not form.cleaned_data["company"]:
                options = pickers.search_contacts(form.text(), company=company)
        return render(request, OPTIONS_TEMPLATE, {"options": options})


class SalespersonSearchView(PermissionRequiredMixin, View):
    """A salesperson picker's suggestions: up to twenty by code or name."""

    permission_required = "contacts.view_salesperson"

    def get(self, request: HttpRequest) -> HttpResponse:
        form = SearchForm(request.GET)
        options = []
        if form.is_valid():
            active = form.cleaned_data["active"]
            options = pickers.search_salespeople(form.text(), active_only=active)
        return render(request, OPTIONS_TEMPLATE, {"options": options})
