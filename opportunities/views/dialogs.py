"""The dialogs and buttons on one opportunity: new, update, activate, close, delete."""

import datetime

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from contacts.models import Contact, Salesperson
from opportunities import permissions, services
from opportunities.forms import (
    UPDATE_ACTION_LABELS,
    CloseCodeForm,
    CloseForm,
    OpportunityCreateForm,
    UpdateForm,
    VersionForm,
)
from opportunities.models import CloseOpportunityCode, Opportunity, OpportunityEntry
from web.shortcuts import LIST_RELATED, done, refused, render_dialog, safe_next, shown


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
