"""What every page of the apps does the same way: where to go back to, Post/Redirect/Get
with a message, a refusal as the user reads it, dialogs opened with htmx, and the rows of
the opportunity table (shown by the opportunity list and the contact and salesperson
cards).
"""

import datetime
from collections.abc import Iterable
from urllib.parse import quote as percent_encode

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django_htmx.http import HttpResponseClientRedirect

from opportunities import services
from opportunities.models import Opportunity
from opportunities.permissions import row_commands, salesperson_id_of

DIALOG_TARGET = "dialog-content"


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


class ResultsPartialMixin:
    """Lists: htmx requests aimed at the results render only the `results` partial."""

    def get_template_names(self):
        names = super().get_template_names()
        if self.request.htmx and self.request.htmx.target == "results":
            return [f"{names[0]}#results"]
        return names


# --- the opportunity table (the list, the contact and salesperson cards) ----------------------

# What a row shows of other tables: select_related these before `list_rows`.
LIST_RELATED = ("contact", "salesperson", "current_stage", "quote", "order")


def list_rows(user: User, opportunities: Iterable[Opportunity]) -> list[Opportunity]:
    """Opportunities as the shared table's rows: their commands and links worked out.

    The stages of their cycles (whether there are any, what "activate" depends on; the stage
    "Next" goes to, `next_stage`) are read once for the page, whatever its rows.
    """
    rows = list(opportunities)
    stages = services.stages_by_cycle(rows)
    for opportunity in rows:
        cycle_stages = stages.get(opportunity.sales_cycle_id, [])
        opportunity.commands = row_commands(user, opportunity, has_stages=bool(cycle_stages))
        opportunity.next_stage = (
            services.next_stage(opportunity, cycle_stages)
            if "update" in opportunity.commands
            else None
        )
    add_row_links(rows)
    return rows


def urls_by_number(name: str):
    """`reverse` once per page, not once per row: the URL with the number (or code) put in,
    percent-encoded so that no value (a `/`, a quote) can leave its path segment."""
    pattern = reverse(name, args=["__number__"])
    return lambda number: pattern.replace("__number__", percent_encode(str(number), safe=""))


def add_row_links(rows: list[Opportunity]) -> None:
    """The links of the rows' cells (the rows' command buttons make their own)."""
    detail_url = urls_by_number("opportunities:detail")
    contact_url = urls_by_number("contacts:contact_detail")
    salesperson_url = urls_by_number("contacts:salesperson_detail")
    quote_url = urls_by_number("opportunities:quote_detail")
    order_url = urls_by_number("opportunities:order_detail")
    for row in rows:
        row.detail_url = detail_url(row.number)
        row.contact_url = contact_url(row.contact.number)
        row.salesperson_url = salesperson_url(row.salesperson.code)
        # The sales document the row links to: the order, else the quote.
        if row.order_id:
            row.document = {
                "url": order_url(row.order.number),
                "number": row.order.number,
                "kind": _("Order"),
            }
        elif row.quote_id:
            row.document = {
                "url": quote_url(row.quote.number),
                "number": row.quote.number,
                "kind": _("Quote"),
            }
        else:
            row.document = None


def counted(label, **filters: str) -> dict:
    """The "Opportunities" figure of a card's statistics: which ones it counts (`label`), and
    the opportunity list that shows those very ones (`filters`)."""
    return {"label": label, "url": f"{reverse('opportunities:list')}?{urlencode(filters)}"}


def mine_and_all(user: User, url: str, chosen, **mine: str) -> list[dict] | None:
    """The "Mine" / "All" switch of the list and the board, for a user who is a salesperson
    (`permissions.salesperson_id_of` decides): their own opportunities (with the `mine`
    filters, e.g. `status="open"`), or everyone's (an explicit empty salesperson, which is never
    defaulted back). `chosen`: the salesperson the page shows, if one."""
    own_id = salesperson_id_of(user)
    if own_id is None:
        return None
    mine_query = urlencode({"salesperson": user.salesperson.code, **mine})
    return [
        {
            "label": pgettext("opportunities", "Mine"),
            "url": f"{url}?{mine_query}",
            "active": chosen is not None and chosen.pk == own_id,
        },
        {
            "label": pgettext("opportunities", "All"),
            "url": f"{url}?salesperson=",
            "active": chosen is None,
        },
    ]
