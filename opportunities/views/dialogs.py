"""The dialogs and buttons on one opportunity: new, update, activate, edit, close (with the close
code added from it) and delete; and `Dialog`, the way every dialog works."""

import datetime
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from contacts.models import Contact, Salesperson
from opportunities import permissions, services
from opportunities.forms import (
    CloseCodeForm,
    CloseForm,
    EditForm,
    OpportunityCreateForm,
    UpdateForm,
    VersionForm,
)
from opportunities.models import CloseOpportunityCode, Opportunity, OpportunityEntry, UpdateAction
from opportunities.services.core import LARGEST_AMOUNT
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


def incomplete() -> ValidationError:
    return ValidationError(
        _("The form was incomplete. Reload the page and try again."), code="incomplete"
    )


def seen_version(data: QueryDict, *, required: bool = True) -> int | None:
    """The version of the opportunity the page was shown with (the `version` a dialog or button
    posts); missing or not a number, the request is refused as incomplete."""
    form = VersionForm(data, required=required)
    if not form.is_valid():
        raise incomplete()
    return form.cleaned_data["version"]


# The fields a rule's refusal is about, by its code: the first of them the form shows gets the
# message (and its outline); a refusal of no field the form shows stays above the form.
REFUSED_FIELDS = {
    "date_before_last_change": ("date_of_change", "date_closed"),
    "date_required": ("date_of_change", "date_closed"),
    "quote_required": ("to_stage", "action"),
    "invalid_target": ("to_stage", "action"),
    "estimated_value_required": ("estimated_value",),
    "chances_invalid": ("chances_of_success",),
    "close_date_before_change": ("estimated_close_date",),
    "outcome_invalid": ("outcome",),
    "close_code_required": ("close_code",),
    "close_code_type": ("close_code",),
    "sales_value_required": ("sales_value",),
    "assign_not_allowed": ("salesperson",),
}


def refused_field(error: ValidationError, form: forms.Form) -> str | None:
    """The field of `form` a refusal is about, if the form shows it: by the refusal's code, or
    for a refusal of a value (a date out of range, an amount too large, a blocked record, a
    missing field) the field that holds it. None: the refusal is the whole form's."""
    if hasattr(error, "error_dict"):  # already by field (`on_fields`)
        return None
    code = getattr(error, "code", None)
    params = getattr(error, "params", None) or {}
    shown_fields = [name for name in form.fields if not form[name].is_hidden]
    values = getattr(form, "cleaned_data", {})
    candidates: list[str] = []
    if code in REFUSED_FIELDS:
        candidates = list(REFUSED_FIELDS[code])
    elif code == "date_out_of_range":
        candidates = [name for name in shown_fields if values.get(name) == params.get("date")]
    elif code == "amount_too_large":
        candidates = [
            name
            for name in shown_fields
            if isinstance(values.get(name), Decimal)
            and not (values[name].is_finite() and abs(values[name]) <= LARGEST_AMOUNT)
        ]
    elif code == "blocked":
        what = str(params.get("what", ""))
        candidates = [name for name in shown_fields if str(values.get(name, "")) == what]
    elif code == "required":
        label = str(params.get("field", "")).lower()
        candidates = [name for name in shown_fields if str(form[name].label).lower() == label]
    return next((name for name in candidates if name in shown_fields), None)


class Dialog:
    """A dialog, the same way for all: a GET shows the form; a POST checks it and `act`s, which
    calls one service and answers the success (back, with a message). A refusal shows on the
    form; a stale one (the opportunity changed since the dialog was shown) first loads the
    objects again, so that the form shows them as they are now and carries their version.

    A dialog names its `template_name` and writes `load` (the objects of the URL, a 403 for a
    user who may not act on them, and `back`), `get_form` (bound to posted data, or with the
    values to start from) and `act`; `template_context` adds what its template shows.
    """

    template_name: str
    opportunity: Opportunity | None = None
    back: str

    def __init__(self, request: HttpRequest, number: str | None = None):
        self.request = request
        self.number = number
        self.load()

    def load(self) -> None:
        raise NotImplementedError

    def get_form(self, data: QueryDict | None = None) -> forms.Form:
        raise NotImplementedError

    def act(self, form: forms.Form) -> HttpResponse:
        raise NotImplementedError

    def template_context(self) -> dict:
        return {"opportunity": self.opportunity}

    def respond(self) -> HttpResponse:
        if self.request.method != "POST" or self.refreshing():
            return self.show(self.get_form())
        form = self.get_form(self.request.POST)
        if form.is_valid():
            try:
                return self.act(form)
            except ValidationError as error:
                if error.code == "stale":
                    self.load()
                    data = self.request.POST.copy()
                    if self.opportunity is not None:
                        data["version"] = str(self.opportunity.version)
                    form = self.get_form(data)
                    form.is_valid()
                form.add_error(refused_field(error, form), shown(error))
        return self.show(form)

    def show(self, form: forms.Form, **context) -> HttpResponse:
        context = {"form": form, "back": self.back, **self.template_context(), **context}
        return render_dialog(self.request, self.template_name, context)

    def refreshing(self) -> bool:
        """A POST that asks for the dialog again with the defaults of what was chosen (the
        action, the outcome), not its OK: it carries `refresh`. Posted, not sent as a GET, so
        that the form's values and its CSRF token never travel in a URL."""
        return self.request.method == "POST" and "refresh" in self.request.POST

    def carried(self) -> QueryDict:
        """The values a dialog opens with: those a refresh posts, else the query string's."""
        return self.request.POST if self.refreshing() else self.request.GET

    def version_shown(self, query: QueryDict) -> int:
        """The version a dialog opens with: the one a refresh of it carries, else the current."""
        try:
            return seen_version(query)
        except ValidationError:
            return self.opportunity.version


# --- new opportunity ----------------------------------------------------------------------------


class CreateDialog(Dialog):
    """New opportunity; from a contact or salesperson card that one is fixed (query string)."""

    template_name = "opportunities/opportunity_form.html"

    def load(self) -> None:
        if not permissions.can_create(self.request.user):
            raise PermissionDenied
        self.fixed = {}
        if number := self.request.GET.get("contact"):
            self.fixed["fixed_contact"] = get_object_or_404(Contact, number=number)
        if code := self.request.GET.get("salesperson"):
            self.fixed["fixed_salesperson"] = get_object_or_404(Salesperson, code=code)
        self.back = safe_next(self.request, reverse("opportunities:list"))

    def get_form(self, data: QueryDict | None = None) -> OpportunityCreateForm:
        sole = permissions.sole_salesperson(self.request.user)
        return OpportunityCreateForm(data, sole_salesperson=sole, **self.fixed)

    def act(self, form: OpportunityCreateForm) -> HttpResponse:
        data = form.cleaned_data
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
            user=self.request.user,
        )
        if opportunity.current_stage is not None:
            message = _("%(number)s created on stage %(stage)s.") % {
                "number": opportunity.number,
                "stage": opportunity.current_stage.description,
            }
        else:
            message = _("%(number)s created, not started.") % {"number": opportunity.number}
        return done(self.request, message, opportunity.get_absolute_url())


@require_http_methods(["GET", "POST"])
def opportunity_create(request: HttpRequest) -> HttpResponse:
    return CreateDialog(request).respond()


# --- update, activate ---------------------------------------------------------------------------


class UpdateDialog(Dialog):
    """Update opportunity: next, skip, previous, jump, update."""

    template_name = "opportunities/update.html"

    def load(self) -> None:
        self.opportunity = opportunity_or_404(self.number)
        require_act(self.request, self.opportunity)
        self.actions = services.available_actions(self.opportunity)
        self.back = safe_next(self.request, self.opportunity.get_absolute_url())

    def get_form(self, data: QueryDict | None = None) -> UpdateForm:
        kwargs = {
            "opportunity": self.opportunity,
            "actions": self.actions,
            "refresh_url": reverse("opportunities:update", args=[self.opportunity.number]),
        }
        if data is not None:
            return UpdateForm(data, **kwargs)
        return UpdateForm(initial=self.initial(self.carried()), **kwargs)

    def initial(self, query: QueryDict) -> dict:
        """The action asked for (or the first offered) and its defaults; a refresh keeps the
        date of change typed."""
        action = query.get("action")
        if action not in self.actions:
            action = next((name for name in UpdateAction if name in self.actions), None)
        initial = {"version": self.version_shown(query), "action": action}
        if action is not None:
            chosen = query.get("to_stage")
            to_stage = next(
                (stage for stage in self.actions[action] if str(stage.pk) == chosen), None
            )
            defaults = services.update_defaults(
                self.opportunity,
                action=action,
                to_stage=to_stage,
                date_of_change=parse_date(query.get("date_of_change")),
            )
            initial |= defaults
            initial["to_stage"] = defaults["to_stage"].pk if defaults["to_stage"] else None
        return initial

    def act(self, form: UpdateForm) -> HttpResponse:
        data = form.cleaned_data
        entry = services.update_opportunity(
            self.opportunity,
            action=data["action"],
            to_stage=data["to_stage"] if form.target_choice else None,
            date_of_change=data["date_of_change"],
            estimated_value=data["estimated_value"],
            chances_of_success=data["chances_of_success"],
            estimated_close_date=data["estimated_close_date"],
            user=self.request.user,
            expected_version=data["version"],
        )
        return done(self.request, update_message(self.opportunity, entry), self.back)

    def template_context(self) -> dict:
        return {"opportunity": self.opportunity, "actions": self.actions}


@require_http_methods(["GET", "POST"])
def opportunity_update(request: HttpRequest, number: str) -> HttpResponse:
    return UpdateDialog(request, number).respond()


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
    try:
        entry = services.activate_first_stage(
            opportunity, user=request.user, expected_version=seen_version(request.POST)
        )
    except ValidationError as error:
        return refused(request, error, back)
    message = _("%(number)s activated on stage %(stage)s.") % {
        "number": opportunity.number,
        "stage": entry.stage_description,
    }
    return done(request, message, back)


# --- edit ---------------------------------------------------------------------------------------

# The general fields the Edit dialog may change, as `change_opportunity` names them.
EDIT_FIELDS = ("description", "priority", "contact", "salesperson", "sales_cycle")


class EditDialog(Dialog):
    """Edit opportunity: its general fields through `change_opportunity`; no entry.
    A rule that refuses a field (a blocked salesperson, a contact outside the company) shows
    next to that field."""

    template_name = "opportunities/edit.html"

    def load(self) -> None:
        self.opportunity = opportunity_or_404(self.number)
        require_act(self.request, self.opportunity)
        self.back = safe_next(self.request, self.opportunity.get_absolute_url())
        self.may_assign = permissions.acts_on_all(self.request.user)

    def get_form(self, data: QueryDict | None = None) -> EditForm:
        kwargs = {"opportunity": self.opportunity, "may_assign": self.may_assign}
        if data is not None:
            return EditForm(data, **kwargs)
        opportunity = self.opportunity
        initial = {
            "version": opportunity.version,
            "description": opportunity.description,
            "priority": opportunity.priority,
            "contact": opportunity.contact.number,
            "salesperson": opportunity.salesperson.code,
            "sales_cycle": opportunity.sales_cycle.code,
        }
        return EditForm(initial=initial, **kwargs)

    def act(self, form: EditForm) -> HttpResponse:
        data = form.cleaned_data
        version = self.opportunity.version
        try:
            services.change_opportunity(
                self.opportunity,
                **{name: data[name] for name in EDIT_FIELDS if name in form.fields},
                user=self.request.user,
                expected_version=data["version"],
            )
        except ValidationError as error:
            raise on_fields(error, form) from None
        values = {"number": self.opportunity.number}
        if self.opportunity.version == version:
            return done(self.request, _("Nothing changed on %(number)s.") % values, self.back)
        return done(self.request, _("%(number)s saved.") % values, self.back)


def on_fields(error: ValidationError, form: forms.Form) -> ValidationError:
    """A refusal by field (the rules of `Opportunity.clean`), each message on its field of the
    form, or above the form for a field the form does not show; other refusals as they are."""
    if not hasattr(error, "error_dict"):
        return error
    by_field: dict[str, list] = {}
    for name, errors in error.error_dict.items():
        by_field.setdefault(name if name in form.fields else NON_FIELD_ERRORS, []).extend(errors)
    placed = ValidationError(by_field)
    placed.code = getattr(error, "code", None)
    return placed


@require_http_methods(["GET", "POST"])
def opportunity_edit(request: HttpRequest, number: str) -> HttpResponse:
    return EditDialog(request, number).respond()


# --- close --------------------------------------------------------------------------------------


class CloseDialog(Dialog):
    """Close opportunity as won or lost; its "New close code" part posts to
    `close_code_add`."""

    template_name = "opportunities/close.html"

    def load(self) -> None:
        self.opportunity = opportunity_or_404(self.number)
        require_act(self.request, self.opportunity)
        self.back = safe_next(self.request, self.opportunity.get_absolute_url())
        self.codes = list(CloseOpportunityCode.objects.all())
        self.may_add_code = self.request.user.has_perm("opportunities.add_closeopportunitycode")

    def get_form(self, data: QueryDict | None = None) -> CloseForm:
        quote = self.opportunity.open_quote
        kwargs = {
            "codes": self.codes,
            "quote_total": quote.total if quote else None,
            "refresh_url": reverse("opportunities:close", args=[self.opportunity.number]),
        }
        if data is not None:
            return CloseForm(data, **kwargs)
        return CloseForm(initial=self.initial(self.carried()), **kwargs)

    def initial(self, query: QueryDict) -> dict:
        """The values carried, else the defaults (`services.close_defaults`)."""
        defaults = services.close_defaults(self.opportunity, outcome=query.get("outcome"))
        outcome, code = defaults["outcome"], defaults["close_code"]
        initial = {
            "version": self.version_shown(query),
            "outcome": outcome,
            "close_code": code.code if code else None,
            "date_closed": parse_date(query.get("date_closed")) or defaults["date_closed"],
            "sales_value": query.get("sales_value") or defaults["sales_value"],
        }
        chosen = query.get("close_code")
        if any(code.code == chosen and code.type == outcome for code in self.codes):
            initial["close_code"] = chosen
        return initial

    def act(self, form: CloseForm) -> HttpResponse:
        data = form.cleaned_data
        services.close_opportunity(
            self.opportunity,
            outcome=data["outcome"],
            close_code=data["close_code"],
            date_closed=data["date_closed"],
            sales_value=data["sales_value"],
            user=self.request.user,
            expected_version=data["version"],
        )
        message = {
            "won": _("%(number)s closed as won."),
            "lost": _("%(number)s closed as lost."),
        }[data["outcome"]] % {"number": self.opportunity.number}
        return done(self.request, message, self.back)

    def show(self, form: CloseForm, code_form: CloseCodeForm | None = None) -> HttpResponse:
        """The dialog; with the "New close code" part for users who may add codes (its type
        starts as the outcome chosen)."""
        if code_form is None and self.may_add_code:
            code_form = CloseCodeForm(prefix="new", initial={"type": form.chosen_outcome()})
        return super().show(form, code_form=code_form)


@require_http_methods(["GET", "POST"])
def opportunity_close(request: HttpRequest, number: str) -> HttpResponse:
    return CloseDialog(request, number).respond()


# The close dialog's fields that a new close code carries back to it.
CLOSE_FIELDS = ("version", "outcome", "close_code", "date_closed", "sales_value", "next", "modal")


class CloseCodeAdd(CloseDialog):
    """Add close code, from the close dialog: added, the dialog opens again with the new code
    chosen and what the user had typed; refused, the dialog shows why on the code's fields."""

    def load(self) -> None:
        super().load()
        if not self.may_add_code:
            raise PermissionDenied

    def carried(self) -> QueryDict:
        return self.request.POST

    def respond(self) -> HttpResponse:
        code_form = CloseCodeForm(self.request.POST, prefix="new")
        if not code_form.is_valid():
            return self.show(self.get_form(), code_form=code_form)
        code = code_form.save()
        messages.success(self.request, _("Close code %(code)s added.") % {"code": code.code})
        query = {name: self.request.POST.get(name, "") for name in CLOSE_FIELDS}
        query |= {"outcome": code.type, "close_code": code.code}
        url = reverse("opportunities:close", args=[self.opportunity.number])
        return redirect(f"{url}?{urlencode({k: v for k, v in query.items() if v})}")


@require_POST
def close_code_add(request: HttpRequest, number: str) -> HttpResponse:
    return CloseCodeAdd(request, number).respond()


# --- delete -------------------------------------------------------------------------------------


class DeleteDialog(Dialog):
    """Delete one closed opportunity, after a confirmation."""

    template_name = "opportunities/opportunity_confirm_delete.html"

    def load(self) -> None:
        self.opportunity = opportunity_or_404(self.number)
        if not permissions.can_delete(self.request.user):
            raise PermissionDenied
        self.back = safe_next(self.request, self.opportunity.get_absolute_url())

    def get_form(self, data: QueryDict | None = None) -> VersionForm:
        return VersionForm(data, initial={"version": self.opportunity.version})

    def act(self, form: VersionForm) -> HttpResponse:
        services.delete_opportunity(self.opportunity, expected_version=form.cleaned_data["version"])
        back = self.back
        if back.split("?")[0] == self.opportunity.get_absolute_url():
            back = reverse("opportunities:list")
        message = _("%(number)s deleted.") % {"number": self.opportunity.number}
        return done(self.request, message, back)


@require_http_methods(["GET", "POST"])
def opportunity_delete(request: HttpRequest, number: str) -> HttpResponse:
    return DeleteDialog(request, number).respond()
