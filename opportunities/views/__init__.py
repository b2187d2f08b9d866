"""The opportunity pages: the list, the card, the dialogs, quotes, orders and deletion.

Views are thin: a form parses the request, one service acts, and the user goes back where they
were with a short message. A refusal is shown where the user acted: on the dialog's form, or
as a message after a button. Which buttons a page shows comes from the services
(`commands_offered`, `available_actions`) and from `opportunities.permissions`.

Dialogs are ordinary pages; opened with htmx they render only their `dialog` partial into the
modal of the base layout, and a success answers with HX-Redirect.
"""

import datetime
from urllib.parse import quote as percent_encode

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import date_format, number_format
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST
from django.views.generic import DetailView
from django_filters.views import FilterView
from django_htmx.http import HttpResponseClientRedirect

from contacts.models import Contact, Customer, Salesperson
from opportunities import permissions, services
from opportunities.filters import (
    COUNT_CAP,
    BadCursor,
    OpportunityFilter,
    capped_count,
    keyset_page,
)
from opportunities.forms import (
    UPDATE_ACTION_LABELS,
    BatchDeleteForm,
    CloseCodeForm,
    CloseForm,
    MakeOrderForm,
    OpportunityCreateForm,
    QuoteLineForm,
    UpdateForm,
    VersionForm,
)
from opportunities.models import (
    CloseOpportunityCode,
    Opportunity,
    OpportunityEntry,
    Quote,
    QuoteLine,
    SalesOrder,
    document_total,
)
from opportunities.services.deletion import delete_closed_opportunities_for_a_while

DIALOG_TARGET = "dialog-content"
LIST_RELATED = ("contact", "salesperson", "current_stage", "quote", "order")
# The columns a list row shows or decides its commands with: a fifth of the joined ones.
LIST_COLUMNS = (
    *LIST_RELATED,
    "number",
    "description",
    "status",
    "creation_date",
    "estimated_value",
    "calcd_current_value",
    "estimated_close_date",
    "version",
    "contact__number",
    "contact__name",
    "contact__type",
    "salesperson__code",
    "salesperson__name",
    "current_stage__description",
    "quote__number",
    "order__number",
)

# --- shared helpers (also used by the contacts and sales cycle pages) ---------------------------


def safe_next(request: HttpRequest, default: str) -> str:
    """The page the user came from, when it is one of ours."""
    candidate = request.GET.get("next") or request.POST.get("next")
    # Only absolute paths: anything else would be read as a view name or a relative URL.
    if (
        candidate
        and candidate.startswith("/")
        and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return candidate
    return default


def go(request: HttpRequest, url: str) -> HttpResponse:
    """Post/Redirect/Get, also from inside an htmx dialog (a full page load)."""
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return HttpResponseRedirect(url)


def shown(error: ValidationError) -> ValidationError:
    """A refusal as the user reads it: the dates in its message in the active language."""
    if not hasattr(error, "error_list"):
        return error
    parts = []
    for item in error.error_list:
        params = item.params
        if isinstance(params, dict):
            params = {
                key: date_format(value, "SHORT_DATE_FORMAT")
                if isinstance(value, datetime.date)
                else value
                for key, value in params.items()
            }
        parts.append(ValidationError(item.message, code=item.code, params=params))
    localized = ValidationError(parts)
    localized.code = getattr(error, "code", None)
    return localized


def done(request: HttpRequest, message: str, url: str) -> HttpResponse:
    messages.success(request, message)
    return go(request, url)


def refused(request: HttpRequest, error: ValidationError, url: str) -> HttpResponse:
    for message in shown(error).messages:
        messages.error(request, message)
    return go(request, url)


def in_modal(request: HttpRequest) -> bool:
    if not request.htmx:
        return False
    return (
        request.htmx.target == DIALOG_TARGET
        or request.GET.get("modal") == "1"
        or (request.POST.get("modal") == "1")
    )


def render_dialog(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    """A dialog: the whole page, or its `dialog` partial for htmx."""
    context.setdefault("modal", in_modal(request))
    if request.htmx and not request.htmx.boosted:
        template = f"{template}#dialog"
    return render(request, template, context)


def row_commands(user, opportunity: Opportunity) -> set[str]:
    """The commands a row or card shows: what the state offers and the user may do."""
    offered = services.commands_offered(opportunity)
    allowed = set()
    if permissions.can_act_on(user, opportunity):
        allowed |= offered - {"delete"}
    if "delete" in offered and permissions.can_delete(user):
        allowed.add("delete")
    return allowed


def list_rows(user, opportunities) -> list[Opportunity]:
    """Opportunities as the shared table's rows: their commands and links worked out."""
    rows = list(opportunities)
    for opportunity in rows:
        opportunity.commands = row_commands(user, opportunity)
    add_row_links(rows)
    return rows


def opportunity_or_404(number: str) -> Opportunity:
    return get_object_or_404(
        Opportunity.objects.select_related(*LIST_RELATED, "sales_cycle"), number=number
    )


def require_act(request: HttpRequest, opportunity: Opportunity) -> None:
    if not permissions.can_act_on(request.user, opportunity):
        raise PermissionDenied


def parse_date(value: str | None) -> datetime.date | None:
    try:
        return forms.DateField().clean(value) if value else None
    except ValidationError:
        return None


def parse_version(value: str | None, default: int | None) -> int | None:
    try:
        return int(value) if value else default
    except ValueError:
        return default


def posted_version(request: HttpRequest) -> int | None:
    """The opportunity version a button or dialog was rendered with (its hidden field).

    A value that is not a number can match no version: the service refuses it as stale.
    """
    value = request.POST.get("version")
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        return 0


def stale_form(form_class, request: HttpRequest, current: Opportunity, /, **kwargs):
    """The posted form again, carrying the version the user now sees (after a stale refusal)."""
    data = request.POST.copy()
    data["version"] = str(current.version)
    form = form_class(data, **kwargs)
    form.is_valid()
    return form


# --- the list and the card ----------------------------------------------------------------------


class ResultsPartialMixin:
    """Lists: htmx requests aimed at the results render only the `results` partial."""

    def get_template_names(self):
        names = super().get_template_names()
        if self.request.htmx and self.request.htmx.target == "results":
            return [f"{names[0]}#results"]
        return names


class OpportunityListView(PermissionRequiredMixin, ResultsPartialMixin, FilterView):
    """Opportunity list: all, per salesperson, per contact, open or closed; filtered, sorted.

    Pages by keyset (`?after=`, `?before=`, `?page=last`), so every page costs what the first
    does; one query for the rows and one capped count.
    """

    permission_required = "opportunities.view_opportunity"

    filterset_class = OpportunityFilter
    template_name = "opportunities/opportunity_list.html"
    paginate_by = 25

    def get_queryset(self):
        # The only place the rows' query starts; the FilterSet adds filters, the page the order.
        return Opportunity.objects.all()

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        kwargs["data"] = self.request.GET  # always bound: the order is always applied
        return kwargs

    def paginate_queryset(self, queryset, page_size):
        query = self.request.GET
        sort = self.filterset.sort_key
        page = query.get("page")
        if page not in (None, "", "1", "last"):
            raise Http404(_("There is no such page."))
        try:
            found = keyset_page(
                queryset.select_related(*LIST_RELATED).only(*LIST_COLUMNS),
                sort,
                per_page=page_size,
                after_cursor=query.get("after") or None,
                before_cursor=query.get("before") or None,
                last=page == "last",
            )
        except BadCursor as error:
            raise Http404(_("There is no such page.")) from error
        self.total = capped_count(queryset)
        return None, found, found.rows, found.has_previous or found.has_next

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = context["page_obj"]
        context["rows"] = list_rows(self.request.user, page.rows)
        context["title"] = list_title(self.filterset)
        context["new_query"] = new_opportunity_query(self.filterset)
        context["can_create"] = permissions.can_create(self.request.user)
        context["page_links"] = page_links(self.request, page)
        context["total"] = min(self.total, COUNT_CAP)
        context["total_capped"] = self.total > COUNT_CAP
        return context


def urls_by_number(name: str):
    """`reverse` once per page, not once per row: the URL with the number (or code) put in,
    percent-encoded so that no value (a `/`, a quote) can leave its path segment."""
    pattern = reverse(name, args=["__number__"])
    return lambda number: pattern.replace("__number__", percent_encode(str(number), safe=""))


def add_row_links(rows: list[Opportunity]) -> None:
    urls = {
        name: urls_by_number(f"opportunities:{name}")
        for name in ("detail", "update", "activate", "close", "delete", "create_quote")
    }
    contact_url = urls_by_number("contacts:contact_detail")
    salesperson_url = urls_by_number("contacts:salesperson_detail")
    quote_url = urls_by_number("opportunities:quote_detail")
    order_url = urls_by_number("opportunities:order_detail")
    for row in rows:
        row.urls = {name: url(row.number) for name, url in urls.items()}
        row.contact_url = contact_url(row.contact.number)
        row.salesperson_url = salesperson_url(row.salesperson.code)
        if row.order_id:
            row.document = (order_url(row.order.number), row.order.number, _("Order"))
        elif row.quote_id:
            row.document = (quote_url(row.quote.number), row.quote.number, _("Quote"))
        else:
            row.document = None


def page_links(request: HttpRequest, page) -> dict[str, str]:
    """First / previous / next / last, keeping the filters and the sort."""
    query = request.GET.copy()
    for key in ("page", "after", "before"):
        query.pop(key, None)

    def link(**params) -> str:
        changed = query.copy()
        for key, value in params.items():
            changed[key] = value
        return f"?{changed.urlencode()}" if changed else "?"

    links = {}
    if page.has_previous:
        links["first"] = link()
        links["previous"] = link(before=page.previous_cursor)
    if page.has_next:
        links["next"] = link(after=page.next_cursor)
        links["last"] = link(page="last")
    return links


def list_title(filterset: OpportunityFilter) -> str:
    status = filterset.chosen("status")
    salesperson = filterset.chosen("salesperson")
    contact = filterset.chosen("contact")
    if salesperson is not None:
        subject = {"name": salesperson.code}
        titles = {
            "open": _("Open opportunities of salesperson %(name)s"),
            "closed": _("Closed opportunities of salesperson %(name)s"),
            None: _("Opportunities of salesperson %(name)s"),
        }
    elif contact is not None:
        subject = {"name": f"{contact.number} {contact.name}"}
        titles = {
            "open": _("Open opportunities of contact %(name)s"),
            "closed": _("Closed opportunities of contact %(name)s"),
            None: _("Opportunities of contact %(name)s"),
        }
    else:
        subject = {}
        titles = {
            "open": _("Open opportunities"),
            "closed": _("Closed opportunities"),
            None: _("Opportunity list"),
        }
    return titles.get(status, titles[None]) % subject


def new_opportunity_query(filterset: OpportunityFilter) -> str:
    """ "New" from a list of one contact or salesperson fixes it on the new opportunity."""
    if (contact := filterset.chosen("contact")) is not None:
        return f"?contact={contact.number}"
    if (salesperson := filterset.chosen("salesperson")) is not None:
        return f"?salesperson={salesperson.code}"
    return ""


class OpportunityDetailView(PermissionRequiredMixin, DetailView):
    """Opportunity card: the fields, the figures, the sales documents and the entries."""

    permission_required = "opportunities.view_opportunity"

    template_name = "opportunities/opportunity_detail.html"
    slug_field = slug_url_kwarg = "number"
    context_object_name = "opportunity"

    def get_queryset(self):
        entries = OpportunityEntry.objects.select_related("close_code", "created_by").order_by(
            "-pk"
        )
        return Opportunity.objects.select_related(*LIST_RELATED, "sales_cycle").prefetch_related(
            Prefetch("entries", queryset=entries)
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        opportunity = self.object
        context["commands"] = row_commands(self.request.user, opportunity)
        context["entries"] = opportunity.entries.all()
        quote = opportunity.quote
        context["quote_open"] = quote is not None and quote.is_open
        context["can_act"] = permissions.can_act_on(self.request.user, opportunity)
        return context


# --- new opportunity ----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def opportunity_create(request: HttpRequest) -> HttpResponse:
    """New opportunity; from a contact or salesperson card that one is fixed (query string)."""
    if not permissions.can_create(request.user):
        raise PermissionDenied
    fixed = {}
    if number := request.GET.get("contact"):
        fixed["fixed_contact"] = get_object_or_404(Contact, number=number)
    if code := request.GET.get("salesperson"):
        fixed["fixed_salesperson"] = get_object_or_404(Salesperson, code=code)
    back = safe_next(request, reverse("opportunities:list"))
    sole = permissions.sole_salesperson(request.user)
    if request.method == "POST":
        form = OpportunityCreateForm(request.POST, sole_salesperson=sole, **fixed)
        if form.is_valid():
            data = form.cleaned_data
            try:
                opportunity = services.create_opportunity(
                    description=data["description"],
                    contact=data["contact"],
                    salesperson=data["salesperson"],
                    sales_cycle=data["sales_cycle"],
                    priority=data["priority"],
                    activate_first_stage=data["activate_first_stage"],
                    estimated_value=data["estimated_value"],
                    chances_of_success=data["chances_of_success"],
                    estimated_close_date=data["estimated_close_date"],
                    user=request.user,
                )
            except ValidationError as error:
                form.add_error(None, shown(error))
            else:
                if opportunity.current_stage is not None:
                    message = _("%(number)s created on stage %(stage)s.") % {
                        "number": opportunity.number,
                        "stage": opportunity.current_stage.description,
                    }
                else:
                    message = _("%(number)s created, not started.") % {"number": opportunity.number}
                return done(request, message, opportunity.get_absolute_url())
    else:
        form = OpportunityCreateForm(sole_salesperson=sole, **fixed)
    return render_dialog(
        request,
        "opportunities/opportunity_form.html",
        {"form": form, "back": back, **fixed},
    )


# --- update, activate, close --------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def opportunity_update(request: HttpRequest, number: str) -> HttpResponse:
    """Update opportunity: next, skip, previous, jump, update (SPEC 3.4)."""
    opportunity = opportunity_or_404(number)
    require_act(request, opportunity)
    back = safe_next(request, opportunity.get_absolute_url())
    actions = services.available_actions(opportunity)
    refresh_url = request.path
    if request.method == "POST":
        form = UpdateForm(
            request.POST, opportunity=opportunity, actions=actions, refresh_url=refresh_url
        )
        if form.is_valid():
            data = form.cleaned_data
            try:
                entry = services.update_opportunity(
                    opportunity,
                    action=data["action"],
                    to_stage=data["to_stage"] if form.target_choice else None,
                    date_of_change=data["date_of_change"],
                    estimated_value=data["estimated_value"],
                    chances_of_success=data["chances_of_success"],
                    estimated_close_date=data["estimated_close_date"],
                    user=request.user,
                    expected_version=data["version"],
                )
            except ValidationError as error:
                if error.code == "stale":
                    opportunity = opportunity_or_404(number)
                    actions = services.available_actions(opportunity)
                    form = stale_form(
                        UpdateForm,
                        request,
                        opportunity,
                        opportunity=opportunity,
                        actions=actions,
                        refresh_url=refresh_url,
                    )
                form.add_error(None, shown(error))
            else:
                return done(request, update_message(opportunity, entry), back)
    else:
        action = request.GET.get("action")
        if action not in actions:
            action = next((name for name in UPDATE_ACTION_LABELS if name in actions), None)
        initial = {
            "version": parse_version(request.GET.get("version"), opportunity.version),
            "action": action,
        }
        if action is not None:
            targets = actions[action]
            chosen = request.GET.get("to_stage")
            to_stage = next((stage for stage in targets if str(stage.pk) == chosen), None)
            defaults = services.update_defaults(
                opportunity,
                action=action,
                to_stage=to_stage,
                date_of_change=parse_date(request.GET.get("date_of_change")),
            )
            initial |= defaults
            initial["to_stage"] = defaults["to_stage"].pk if defaults["to_stage"] else None
        form = UpdateForm(
            initial=initial, opportunity=opportunity, actions=actions, refresh_url=refresh_url
        )
    return render_dialog(
        request,
        "opportunities/update.html",
        {"opportunity": opportunity, "form": form, "back": back, "actions": actions},
    )


def update_message(opportunity: Opportunity, entry: OpportunityEntry) -> str:
    values = {"number": opportunity.number, "stage": entry.stage_description}
    if entry.action_taken == OpportunityEntry.Action.UPDATED:
        return _("%(number)s updated on %(stage)s.") % values
    return _("%(number)s moved to %(stage)s.") % values


@require_POST
def opportunity_activate(request: HttpRequest, number: str) -> HttpResponse:
    """Activate first stage of a not-started opportunity."""
    opportunity = opportunity_or_404(number)
    require_act(request, opportunity)
    back = safe_next(request, opportunity.get_absolute_url())
    form = VersionForm(request.POST)
    if not form.is_valid():
        return refused(request, incomplete(), back)
    try:
        entry = services.activate_first_stage(
            opportunity, user=request.user, expected_version=form.cleaned_data["version"]
        )
    except ValidationError as error:
        return refused(request, error, back)
    message = _("%(number)s activated on stage %(stage)s.") % {
        "number": opportunity.number,
        "stage": entry.stage_description,
    }
    return done(request, message, back)


def incomplete() -> ValidationError:
    return ValidationError(_("The form was incomplete. Reload the page and try again."))


@require_http_methods(["GET", "POST"])
def opportunity_close(request: HttpRequest, number: str) -> HttpResponse:
    """Close opportunity as won or lost; a new close code can be added from here (SPEC 3.5)."""
    opportunity = opportunity_or_404(number)
    require_act(request, opportunity)
    back = safe_next(request, opportunity.get_absolute_url())
    codes = list(CloseOpportunityCode.objects.all())
    quote = opportunity.open_quote
    context = {"opportunity": opportunity, "back": back}
    kwargs = {
        "codes": codes,
        "quote_total": quote.total if quote else None,
        "refresh_url": request.path,
    }
    may_add_code = request.user.has_perm("opportunities.add_closeopportunitycode")
    code_form = None
    if request.method == "POST" and "add_code" in request.POST:
        if not may_add_code:
            raise PermissionDenied
        code_form = CloseCodeForm(request.POST, prefix="new")
        outcome = request.POST.get("outcome")
        if code_form.is_valid():
            code = code_form.save()
            codes.append(code)
            context["notice"] = _("Close code %(code)s added.") % {"code": code.code}
            outcome = code.type
            code_form = None
        initial = {
            "version": parse_version(request.POST.get("version"), opportunity.version),
            "outcome": outcome,
            "close_code": code.code if code_form is None else request.POST.get("close_code"),
            "date_closed": request.POST.get("date_closed"),
            "sales_value": request.POST.get("sales_value"),
        }
        form = CloseForm(initial=initial, **kwargs)
    elif request.method == "POST":
        form = CloseForm(request.POST, **kwargs)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.close_opportunity(
                    opportunity,
                    outcome=data["outcome"],
                    close_code=data["close_code"],
                    date_closed=data["date_closed"],
                    sales_value=data["sales_value"],
                    user=request.user,
                    expected_version=data["version"],
                )
            except ValidationError as error:
                if error.code == "stale":
                    opportunity = opportunity_or_404(number)
                    quote = opportunity.open_quote
                    kwargs["quote_total"] = quote.total if quote else None
                    form = stale_form(CloseForm, request, opportunity, **kwargs)
                    context["opportunity"] = opportunity
                form.add_error(None, shown(error))
            else:
                message = {
                    "won": _("%(number)s closed as won."),
                    "lost": _("%(number)s closed as lost."),
                }[data["outcome"]] % {"number": opportunity.number}
                return done(request, message, back)
    else:
        outcome = request.GET.get("outcome")
        if outcome not in CloseOpportunityCode.Type.values:
            outcome = CloseOpportunityCode.Type.WON
        default_date = services.update_defaults(opportunity, action="update")["date_of_change"]
        sales_value = request.GET.get("sales_value") or (
            opportunity.estimated_value if opportunity.estimated_value else None
        )
        initial = {
            "version": parse_version(request.GET.get("version"), opportunity.version),
            "outcome": outcome,
            "date_closed": parse_date(request.GET.get("date_closed")) or default_date,
            "sales_value": sales_value,
        }
        chosen = request.GET.get("close_code")
        if any(code.code == chosen and code.type == outcome for code in codes):
            initial["close_code"] = chosen
        form = CloseForm(initial=initial, **kwargs)
    if may_add_code and code_form is None:
        code_form = CloseCodeForm(prefix="new", initial={"type": form.chosen_outcome()})
    context |= {"form": form, "code_form": code_form}
    return render_dialog(request, "opportunities/close.html", context)


# --- delete -------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def opportunity_delete(request: HttpRequest, number: str) -> HttpResponse:
    """Delete one closed opportunity, after a confirmation."""
    opportunity = opportunity_or_404(number)
    if not permissions.can_delete(request.user):
        raise PermissionDenied
    back = safe_next(request, opportunity.get_absolute_url())
    if request.method == "POST":
        form = VersionForm(request.POST)
        if form.is_valid():
            try:
                services.delete_opportunity(
                    opportunity,
                    user=request.user,
                    expected_version=form.cleaned_data["version"],
                )
            except ValidationError as error:
                if error.code == "stale":
                    opportunity = opportunity_or_404(number)
                    form = stale_form(VersionForm, request, opportunity)
                form.add_error(None, shown(error))
            else:
                if back.split("?")[0] == opportunity.get_absolute_url():
                    back = reverse("opportunities:list")
                return done(request, _("%(number)s deleted.") % {"number": number}, back)
    else:
        form = VersionForm(initial={"version": opportunity.version})
    context = {"opportunity": opportunity, "form": form, "back": back}
    return render_dialog(request, "opportunities/opportunity_confirm_delete.html", context)


# A web request deletes for about this long, then the page shows the progress and goes on in
# the next request: a large deletion never runs into the server's request timeout.
BATCH_SECONDS = 2.0
BATCH_CHUNK_SIZE = 2000
# A confirmation is refused after this long: the preview it carries is out of date. Each step
# of a running deletion hands on a fresh one.
BATCH_CONFIRMATION_MAX_AGE = 24 * 60 * 60


@require_http_methods(["GET", "POST"])
def batch_delete(request: HttpRequest) -> HttpResponse:
    """The batch job "Delete opportunities": filters, preview count, confirmation, result.

    The preview hands the page a signed confirmation of what it showed: the filters (or the
    explicit choice of all closed opportunities) and the count. Only a POST carrying one, for
    the very filters it posts, deletes. The deletion runs a few chunks per request
    (`BATCH_SECONDS`); until it is finished the page shows how many were deleted and how many
    remain, and goes on by itself (htmx) or with a "Continue" button, each step handing on a
    new confirmation with the running total. Each step runs the filters again, so it resumes
    wherever it stopped.
    """
    if not permissions.can_delete(request.user):
        raise PermissionDenied
    if request.method == "POST":
        form = BatchDeleteForm(request.POST)
        if not form.is_valid():
            if request.htmx:
                return HttpResponseClientRedirect(batch_preview_url(form))
            return batch_page(request, form)
        return batch_step(request, form)
    form = BatchDeleteForm(request.GET if "preview" in request.GET else None)
    return batch_page(request, form)


def batch_page(request: HttpRequest, form: BatchDeleteForm, error=None) -> HttpResponse:
    """The page with the filters and, for valid ones, the preview and its confirmation."""
    context = {"form": form, "preview": None}
    if form.is_bound and form.is_valid():
        count = services.delete_closed_opportunities(**form.filters(), dry_run=True)
        selection = form.selection()
        context.update(
            preview=count,
            chosen=form.chosen(),
            selection=selection,
            confirmation=batch_confirmation(request.user, selection, count=count),
        )
    if error is not None:
        form.add_error(None, error)
    return render(request, "opportunities/batch_delete.html", context)


def batch_step(request: HttpRequest, form: BatchDeleteForm) -> HttpResponse:
    """One step of a confirmed deletion: check the confirmation, delete for a while, report."""
    try:
        confirmed = confirmed_batch(request, form)
    except ValidationError as error:
        if request.htmx:  # the progress partial cannot show the page: go to it
            for message in error.messages:
                messages.error(request, message)
            return HttpResponseClientRedirect(batch_preview_url(form))
        return batch_page(request, form, error)
    now, finished = delete_closed_opportunities_for_a_while(
        **form.filters(),
        seconds=BATCH_SECONDS,
        chunk_size=BATCH_CHUNK_SIZE,
        user=request.user,
    )
    remaining = (
        0 if finished else services.delete_closed_opportunities(**form.filters(), dry_run=True)
    )
    # A step whose answer never reached the browser deleted rows that the confirmation it was
    # given does not count; what matched at the start less what is left counts them. Rows that
    # joined the selection since the start are counted by the steps.
    deleted = max(confirmed["deleted"] + now, confirmed["count"] - remaining)
    if finished:
        message = ngettext(
            "%(count)s closed opportunity was deleted.",
            "%(count)s closed opportunities were deleted.",
            deleted,
        ) % {"count": number_format(deleted, force_grouping=True)}
        return done(request, message, reverse("opportunities:batch_delete"))
    context = {
        "form": form,
        "preview": None,
        "deleted": deleted,
        "remaining": remaining,
        "selection": confirmed["filters"],
        "confirmation": batch_confirmation(
            request.user, confirmed["filters"], count=confirmed["count"], deleted=deleted
        ),
    }
    if request.htmx:
        return render(request, "opportunities/batch_delete.html#progress", context)
    return render(request, "opportunities/batch_delete.html", context)


def batch_salt(user) -> str:
    """A confirmation is good for the user it was made for only."""
    return f"opportunities.batch_delete.{user.pk}"


def batch_confirmation(user, selection: dict, *, count: int, deleted: int = 0) -> str:
    """What the page posts back to delete: the previewed selection, the count the deletion
    started from and the running total, signed so that the browser cannot change them."""
    payload = {"filters": selection, "count": count, "deleted": deleted}
    return signing.dumps(payload, salt=batch_salt(user), compress=True)


def confirmed_batch(request: HttpRequest, form: BatchDeleteForm) -> dict:
    """The confirmation the POST carries, checked against its filters; raises the refusal.

    Until something is deleted the previewed count is what the user agreed to: when more match
    now, the preview is shown again; fewer (deleted or reopened since) is no harm, and the
    count the deletion starts from becomes what matches now.
    """
    try:
        confirmed = signing.loads(
            request.POST.get("confirmation", ""),
            salt=batch_salt(request.user),
            max_age=BATCH_CONFIRMATION_MAX_AGE,
        )
    except signing.SignatureExpired:
        raise batch_refusal("preview_expired") from None
    except signing.BadSignature:
        raise batch_refusal("not_previewed") from None
    if confirmed["filters"] != form.selection():
        raise batch_refusal("filters_changed")
    if confirmed["deleted"] == 0:
        matching = services.delete_closed_opportunities(**form.filters(), dry_run=True)
        if matching > confirmed["count"]:
            raise batch_refusal("selection_grew")
        confirmed["count"] = matching
    return confirmed


def batch_refusal(code: str) -> ValidationError:
    message = {
        "not_previewed": _(
            "This deletion was not previewed. Nothing was deleted: check the preview and confirm."
        ),
        "preview_expired": _(
            "This preview is more than a day old. Nothing was deleted: check it again and confirm."
        ),
        "filters_changed": _(
            "The filters are not the ones of the preview. Nothing was deleted: check the "
            "preview of these filters and confirm again."
        ),
        "selection_grew": _(
            "More closed opportunities match these filters than the preview counted. Nothing "
            "was deleted: check the new count and confirm again."
        ),
    }[code]
    return ValidationError(message, code=code)


def batch_preview_url(form: BatchDeleteForm) -> str:
    """The preview of the filters a refused step posted, to show it again."""
    query = {"preview": "1"}
    for name, field in form.fields.items():
        value = field.widget.value_from_datadict(form.data, form.files, form.add_prefix(name))
        if value:
            query[name] = value
    return f"{reverse('opportunities:batch_delete')}?{urlencode(query)}"


# --- quotes and orders --------------------------------------------------------------------------


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
