"""Quotes and orders: create quote, its lines, make order, delete."""

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django.views.generic import DetailView

from contacts.models import Customer
from opportunities import permissions, services
from opportunities.forms import MakeOrderForm, QuoteLineForm, VersionForm
from opportunities.models import Opportunity, Quote, QuoteLine, SalesOrder, document_total
from opportunities.views.dialogs import (
    incomplete,
    opportunity_or_404,
    posted_version,
    require_act,
    stale_form,
)
from web.shortcuts import done, refused, render_dialog, safe_next, shown


def quote_or_404(number: str) -> Quote:
    return get_object_or_404(
        Quote.objects.select_related("contact__customer", "customer", "salesperson"),
        number=number,
    )


def quote_opportunity(quote: Quote) -> Opportunity | None:
    return (
        Opportunity.objects.select_related("contact", "current_stage").filter(quote=quote).first()
    )


@require_POST
def quote_create(request: HttpRequest, number: str) -> HttpResponse:
    """Create quote for an in-progress opportunity of a company; the user then adds lines."""
    opportunity = opportunity_or_404(number)
    require_act(request, opportunity)
    back = safe_next(request, opportunity.get_absolute_url())
    form = VersionForm(request.POST)
    if not form.is_valid():
        return refused(request, incomplete(), back)
    try:
        quote = services.create_quote(
            opportunity, user=request.user, expected_version=form.cleaned_data["version"]
        )
    except ValidationError as error:
        return refused(request, error, back)
    message = _("Quote %(quote)s created for %(number)s. Add its lines.") % {
        "quote": quote.number,
        "number": opportunity.number,
    }
    return done(request, message, quote.get_absolute_url())


def quote_context(request: HttpRequest, quote: Quote, forms_by_line=None, new_form=None) -> dict:
    opportunity = quote_opportunity(quote)
    lines = list(quote.lines.all())
    editable = quote.is_open and permissions.may_change_quote(request.user, quote, opportunity)
    forms_by_line = forms_by_line or {}
    for line in lines:
        line.form = forms_by_line.get(line.pk) or QuoteLineForm(
            instance=line, prefix=f"line-{line.pk}"
        )
    customer = quote.customer or getattr(quote.contact, "customer", None)
    return {
        "quote": quote,
        "opportunity": opportunity,
        "lines": lines,
        "total": document_total(lines),
        "editable": editable,
        "new_form": new_form or QuoteLineForm(prefix="new"),
        "customer": customer,
        "can_create_customer": quote.is_open
        and permissions.can_create_customer(request.user, quote.contact),
        "can_order": quote.is_open and permissions.may_make_order(request.user, quote, opportunity),
        "can_delete_quote": quote.is_open
        and permissions.may_delete_quote(request.user, quote, opportunity),
    }


class QuoteDetailView(PermissionRequiredMixin, DetailView):
    """The quote page: lines with a live total, "Make order", delete."""

    permission_required = "opportunities.view_quote"

    template_name = "opportunities/quote_detail.html"
    slug_field = slug_url_kwarg = "number"
    context_object_name = "quote"

    def get_queryset(self):
        return Quote.objects.select_related("contact__customer", "customer", "salesperson")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context |= quote_context(self.request, self.object)
        return context


def quote_lines_response(request, quote, message=None, *, forms_by_line=None, new_form=None):
    """After a line change: the lines partial for htmx, else back to the quote page."""
    if request.htmx and not (forms_by_line or new_form):
        context = quote_context(request, quote)
        context["notice"] = message
        return render(request, "opportunities/quote_detail.html#lines", context)
    if forms_by_line or new_form:
        context = quote_context(request, quote, forms_by_line=forms_by_line, new_form=new_form)
        template = "opportunities/quote_detail.html"
        if request.htmx:
            template += "#lines"
        return render(request, template, context)
    messages.success(request, message)
    return redirect(quote.get_absolute_url())


def quote_for_lines(request: HttpRequest, number: str) -> Quote:
    quote = quote_or_404(number)
    if not permissions.may_change_quote(request.user, quote, quote_opportunity(quote)):
        raise PermissionDenied
    return quote


def line_refused(request, quote, error) -> HttpResponse:
    if request.htmx:
        context = quote_context(request, quote)
        context["refusal"] = shown(error)
        return render(request, "opportunities/quote_detail.html#lines", context)
    return refused(request, error, quote.get_absolute_url())


@require_POST
def quote_line_add(request: HttpRequest, number: str) -> HttpResponse:
    quote = quote_for_lines(request, number)
    form = QuoteLineForm(request.POST, prefix="new")
    if not form.is_valid():
        return quote_lines_response(request, quote, new_form=form)
    try:
        services.add_quote_line(
            quote, **form.cleaned_data, user=request.user, expected_version=posted_version(request)
        )
    except ValidationError as error:
        return line_refused(request, quote, error)
    return quote_lines_response(request, quote, _("Line added."))


@require_POST
def quote_line_update(request: HttpRequest, number: str, line: int) -> HttpResponse:
    quote = quote_for_lines(request, number)
    quote_line = get_object_or_404(QuoteLine, quote=quote, pk=line)
    form = QuoteLineForm(request.POST, prefix=f"line-{quote_line.pk}")
    if not form.is_valid():
        return quote_lines_response(request, quote, forms_by_line={quote_line.pk: form})
    try:
        services.update_quote_line(
            quote_line,
            **form.cleaned_data,
            user=request.user,
            expected_version=posted_version(request),
        )
    except ValidationError as error:
        return line_refused(request, quote, error)
    return quote_lines_response(request, quote, _("Line saved."))


@require_POST
def quote_line_delete(request: HttpRequest, number: str, line: int) -> HttpResponse:
    quote = quote_for_lines(request, number)
    quote_line = get_object_or_404(QuoteLine, quote=quote, pk=line)
    try:
        services.delete_quote_line(
            quote_line, user=request.user, expected_version=posted_version(request)
        )
    except ValidationError as error:
        return line_refused(request, quote, error)
    return quote_lines_response(request, quote, _("Line removed."))


@require_http_methods(["GET", "POST"])
def make_order(request: HttpRequest, number: str) -> HttpResponse:
    """Make order from a quote; an in-progress opportunity is won in the same step."""
    quote = quote_or_404(number)
    opportunity = quote_opportunity(quote)
    if not permissions.may_make_order(request.user, quote, opportunity):
        raise PermissionDenied
    back = safe_next(request, quote.get_absolute_url())
    closes = opportunity is not None and opportunity.status == Opportunity.Status.IN_PROGRESS
    version = opportunity.version if opportunity is not None else 1
    if request.method == "POST":
        form = MakeOrderForm(request.POST, closes=closes)
        if form.is_valid():
            data = form.cleaned_data
            try:
                order = services.make_order(
                    quote,
                    close_code=data.get("close_code"),
                    date_closed=data.get("date_closed"),
                    user=request.user,
                    expected_version=data["version"] if opportunity is not None else None,
                )
            except ValidationError as error:
                if error.code == "stale":
                    opportunity = quote_opportunity(quote)
                    closes = opportunity.status == Opportunity.Status.IN_PROGRESS
                    form = stale_form(MakeOrderForm, request, opportunity, closes=closes)
                form.add_error(None, shown(error))
            else:
                message = _("Order %(order)s made from quote %(quote)s.") % {
                    "order": order.number,
                    "quote": quote.number,
                }
                if closes:
                    message += " " + _("%(number)s is won.") % {"number": opportunity.number}
                return done(request, message, order.get_absolute_url())
    else:
        initial = {"version": version}
        if closes:
            initial["date_closed"] = services.update_defaults(opportunity, action="update")[
                "date_of_change"
            ]
        form = MakeOrderForm(initial=initial, closes=closes)
    customer = quote.customer or Customer.objects.filter(contact=quote.contact_id).first()
    context = {
        "quote": quote,
        "opportunity": opportunity,
        "form": form,
        "back": back,
        "customer": customer,
        "total": quote.total,
        "can_create_customer": permissions.can_create_customer(request.user, quote.contact),
    }
    return render_dialog(request, "opportunities/make_order.html", context)


@require_http_methods(["GET", "POST"])
def quote_delete(request: HttpRequest, number: str) -> HttpResponse:
    quote = quote_or_404(number)
    opportunity = quote_opportunity(quote)
    if not permissions.may_delete_quote(request.user, quote, opportunity):
        raise PermissionDenied
    back = opportunity.get_absolute_url() if opportunity else reverse("opportunities:list")
    error = None
    if request.method == "POST":
        try:
            services.delete_quote(
                quote, user=request.user, expected_version=posted_version(request)
            )
        except ValidationError as refusal:
            error = shown(refusal)
            opportunity = quote_opportunity(quote)
        else:
            return done(request, _("Quote %(quote)s deleted.") % {"quote": number}, back)
    context = {"quote": quote, "opportunity": opportunity, "back": back, "error": error}
    return render_dialog(request, "opportunities/quote_confirm_delete.html", context)


class OrderDetailView(PermissionRequiredMixin, DetailView):
    permission_required = "opportunities.view_salesorder"
    template_name = "opportunities/order_detail.html"
    slug_field = slug_url_kwarg = "number"
    context_object_name = "order"

    def get_queryset(self):
        return SalesOrder.objects.select_related("contact", "customer", "salesperson", "quote")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        order = self.object
        lines = list(order.lines.all())
        opportunity = Opportunity.objects.filter(order=order).first()
        context |= {
            "lines": lines,
            "total": document_total(lines),
            "opportunity": opportunity,
            "can_delete_order": permissions.may_delete_order(self.request.user, order, opportunity),
        }
        return context


@require_http_methods(["GET", "POST"])
def order_delete(request: HttpRequest, number: str) -> HttpResponse:
    """Delete an order, after a confirmation; its won opportunity becomes lost."""
    order = get_object_or_404(SalesOrder.objects.select_related("quote"), number=number)
    opportunity = Opportunity.objects.filter(order=order).first()
    if not permissions.may_delete_order(request.user, order, opportunity):
        raise PermissionDenied
    back = opportunity.get_absolute_url() if opportunity else reverse("opportunities:list")
    error = None
    if request.method == "POST":
        try:
            services.delete_order(
                order, user=request.user, expected_version=posted_version(request)
            )
        except ValidationError as refusal:
            error = shown(refusal)
            opportunity = Opportunity.objects.filter(order=order).first()
        else:
            message = _("Order %(order)s deleted.") % {"order": number}
            if opportunity is not None:
                message += " " + _("%(number)s is now lost.") % {"number": opportunity.number}
            return done(request, message, back)
    context = {"order": order, "opportunity": opportunity, "back": back, "error": error}
    return render_dialog(request, "opportunities/order_confirm_delete.html", context)
