"""Quotes and orders: create quote, its lines, make order, delete."""

from collections.abc import Callable
from urllib.parse import quote as percent_encode

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django.views.generic import DetailView

from contacts.models import Customer
from opportunities import permissions, services
from opportunities.forms import MakeOrderForm, QuoteLineForm, VersionForm
from opportunities.models import Opportunity, Quote, QuoteLine, SalesOrder, document_total
from opportunities.views.dialogs import Dialog, opportunity_or_404, require_act, seen_version
from web.shortcuts import done, refused, safe_next, shown


def quote_or_404(number: str) -> Quote:
    return get_object_or_404(
        Quote.objects.select_related("contact__customer", "customer", "salesperson"),
        number=number,
    )


def quote_opportunity(quote: Quote) -> Opportunity | None:
    return (
        Opportunity.objects.select_related("contact", "current_stage").filter(quote=quote).first()
    )


def quote_for(
    request: HttpRequest, number: str, may: Callable[[User, Quote, Opportunity | None], bool]
) -> tuple[Quote, Opportunity | None]:
    """The quote of the URL and the opportunity linking it (if any); a 403 unless the user `may`
    (one of the `permissions.may_*`)."""
    quote = quote_or_404(number)
    opportunity = quote_opportunity(quote)
    if not may(request.user, quote, opportunity):
        raise PermissionDenied
    return quote, opportunity


@require_POST
def quote_create(request: HttpRequest, number: str) -> HttpResponse:
    """Create quote for an in-progress opportunity of a company; the user then adds lines."""
    opportunity = opportunity_or_404(number)
    require_act(request, opportunity)
    back = safe_next(request, opportunity.get_absolute_url())
    try:
        quote = services.create_quote(opportunity, expected_version=seen_version(request.POST))
    except ValidationError as error:
        return refused(request, error, back)
    message = _("Quote %(quote)s created for %(number)s. Add its lines.") % {
        "quote": quote.number,
        "number": opportunity.number,
    }
    return done(request, message, quote.get_absolute_url())


def quote_context(
    request: HttpRequest,
    quote: Quote,
    forms_by_line: dict[int, QuoteLineForm] | None = None,
    new_form: QuoteLineForm | None = None,
) -> dict:
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


def quote_lines_response(
    request: HttpRequest,
    quote: Quote,
    message: str | None = None,
    *,
    forms_by_line: dict[int, QuoteLineForm] | None = None,
    new_form: QuoteLineForm | None = None,
) -> HttpResponse:
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
    return quote_for(request, number, permissions.may_change_quote)[0]


def line_refused(request: HttpRequest, quote: Quote, error: ValidationError) -> HttpResponse:
    """A refused line change: a message on the quote page; for htmx, its lines as they are now
    with the refusal on the form of what was posted (the version it was based on)."""
    if not request.htmx:
        return refused(request, error, quote.get_absolute_url())
    posted = VersionForm(request.POST, required=False)
    posted.is_valid()
    posted.add_error(None, shown(error))
    context = quote_context(request, quote)
    context["refused"] = posted
    return render(request, "opportunities/quote_detail.html#lines", context)


def line_version(request: HttpRequest) -> int | None:
    """The version a line change was based on; a quote without an opportunity posts none."""
    return seen_version(request.POST, required=False)


@require_POST
def quote_line_add(request: HttpRequest, number: str) -> HttpResponse:
    quote = quote_for_lines(request, number)
    form = QuoteLineForm(request.POST, prefix="new")
    if not form.is_valid():
        return quote_lines_response(request, quote, new_form=form)
    try:
        services.add_quote_line(quote, **form.cleaned_data, expected_version=line_version(request))
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
            expected_version=line_version(request),
        )
    except ValidationError as error:
        return line_refused(request, quote, error)
    return quote_lines_response(request, quote, _("Line saved."))


@require_POST
def quote_line_delete(request: HttpRequest, number: str, line: int) -> HttpResponse:
    quote = quote_for_lines(request, number)
    quote_line = get_object_or_404(QuoteLine, quote=quote, pk=line)
    try:
        services.delete_quote_line(quote_line, expected_version=line_version(request))
    except ValidationError as error:
        return line_refused(request, quote, error)
    return quote_lines_response(request, quote, _("Line removed."))


class MakeOrderDialog(Dialog):
    """Make order from a quote; an in-progress opportunity is won in the same step. A contact
    that is no customer yet is made one from the dialog, which then shows again."""

    template_name = "opportunities/make_order.html"

    def respond(self) -> HttpResponse:
        if self.request.method == "POST" and "create_customer" in self.request.POST:
            return self.create_customer()
        return super().respond()

    def create_customer(self) -> HttpResponse:
        """Create the customer, then the dialog again (for htmx, in place; otherwise its page,
        Post/Redirect/Get), now with the order's fields."""
        contact = self.quote.contact
        if not permissions.can_create_customer(self.request.user, contact):
            raise PermissionDenied
        try:
            customer = services.create_customer(contact)
        except ValidationError as error:
            return self.show(self.get_form(), refusal=shown(error))
        messages.success(
            self.request,
            _("Contact %(contact)s is now customer %(customer)s.")
            % {"contact": f"{contact.number} {contact.name}", "customer": customer.number},
        )
        if self.request.htmx:
            return self.show(self.get_form())
        url = reverse("opportunities:make_order", args=[self.quote.number])
        return redirect(f"{url}?next={percent_encode(self.back, safe='/')}")

    def load(self) -> None:
        self.quote, self.opportunity = quote_for(
            self.request, self.number, permissions.may_make_order
        )
        self.back = safe_next(self.request, self.quote.get_absolute_url())
        self.closes = (
            self.opportunity is not None
            and self.opportunity.status == Opportunity.Status.IN_PROGRESS
        )

    def get_form(self, data: QueryDict | None = None) -> MakeOrderForm:
        kwargs = {"closes": self.closes, "required": self.opportunity is not None}
        if data is not None:
            return MakeOrderForm(data, **kwargs)
        initial = {"version": self.opportunity.version if self.opportunity else None}
        if self.closes:
            defaults = services.close_defaults(self.opportunity)  # won: the default outcome
            code = defaults["close_code"]
            initial["close_code"] = code.code if code else None
            initial["date_closed"] = defaults["date_closed"]
        return MakeOrderForm(initial=initial, **kwargs)

    def act(self, form: MakeOrderForm) -> HttpResponse:
        data = form.cleaned_data
        order = services.make_order(
            self.quote,
            close_code=data.get("close_code"),
            date_closed=data.get("date_closed"),
            user=self.request.user,
            expected_version=data["version"],
        )
        message = _("Order %(order)s made from quote %(quote)s.") % {
            "order": order.number,
            "quote": self.quote.number,
        }
        if self.closes:
            message += " " + _("%(number)s is won.") % {"number": self.opportunity.number}
        return done(self.request, message, order.get_absolute_url())

    def template_context(self) -> dict:
        quote = self.quote
        return {
            "quote": quote,
            "opportunity": self.opportunity,
            "customer": quote.customer or Customer.objects.filter(contact=quote.contact_id).first(),
            "total": quote.total,
            "can_create_customer": permissions.can_create_customer(
                self.request.user, quote.contact
            ),
        }


@require_http_methods(["GET", "POST"])
def make_order(request: HttpRequest, number: str) -> HttpResponse:
    return MakeOrderDialog(request, number).respond()


class DocumentDeleteDialog(Dialog):
    """Deleting a quote or an order: a confirmation, then back to its opportunity (or the list,
    once that is deleted). A document without an opportunity has no version to check."""

    def get_form(self, data: QueryDict | None = None) -> VersionForm:
        version = self.opportunity.version if self.opportunity else None
        return VersionForm(data, required=False, initial={"version": version})

    def back_to_opportunity(self) -> str:
        if self.opportunity is None:
            return reverse("opportunities:list")
        return self.opportunity.get_absolute_url()


class QuoteDeleteDialog(DocumentDeleteDialog):
    template_name = "opportunities/quote_confirm_delete.html"

    def load(self) -> None:
        self.quote, self.opportunity = quote_for(
            self.request, self.number, permissions.may_delete_quote
        )
        self.back = self.back_to_opportunity()

    def act(self, form: VersionForm) -> HttpResponse:
        services.delete_quote(self.quote, expected_version=form.cleaned_data["version"])
        message = _("Quote %(quote)s deleted.") % {"quote": self.quote.number}
        return done(self.request, message, self.back)

    def template_context(self) -> dict:
        return {"quote": self.quote, "opportunity": self.opportunity}


@require_http_methods(["GET", "POST"])
def quote_delete(request: HttpRequest, number: str) -> HttpResponse:
    return QuoteDeleteDialog(request, number).respond()


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


class OrderDeleteDialog(DocumentDeleteDialog):
    """Delete an order, after a confirmation; its won opportunity becomes lost."""

    template_name = "opportunities/order_confirm_delete.html"

    def load(self) -> None:
        self.order = get_object_or_404(
            SalesOrder.objects.select_related("quote"), number=self.number
        )
        self.opportunity = Opportunity.objects.filter(order=self.order).first()
        if not permissions.may_delete_order(self.request.user, self.order, self.opportunity):
            raise PermissionDenied
        self.back = self.back_to_opportunity()

    def act(self, form: VersionForm) -> HttpResponse:
        services.delete_order(
            self.order, user=self.request.user, expected_version=form.cleaned_data["version"]
        )
        message = _("Order %(order)s deleted.") % {"order": self.order.number}
        if self.opportunity is not None:
            message += " " + _("%(number)s is now lost.") % {"number": self.opportunity.number}
        return done(self.request, message, self.back)

    def template_context(self) -> dict:
        return {"order": self.order, "opportunity": self.opportunity}


@require_http_methods(["GET", "POST"])
def order_delete(request: HttpRequest, number: str) -> HttpResponse:
    return OrderDeleteDialog(request, number).respond()
