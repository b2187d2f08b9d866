"""Forms of the opportunity pages: they check the shape of the input, the services the rules.

A form's choices for validation are wide (every action, every stage of the cycle, every close
code) so that a tampered or outdated choice reaches the service and gets its message; the
widgets only list what the services offer now.
"""

import datetime
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.db.models.fields import BLANK_CHOICE_LABEL
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from contacts.models import Contact, Salesperson
from contacts.pickers import ContactField, SalespersonField
from jobs import services as job_services
from opportunities.models import (
    BATCH_LOOKUPS,
    CloseOpportunityCode,
    Opportunity,
    QuoteLine,
    UpdateAction,
)
from salescycles.models import SalesCycle

MONEY_DIGITS = {"max_digits": 18, "decimal_places": 2}
# Wide enough to let the service say "at most 100" instead of a digits error.
PERCENT_DIGITS = {"max_digits": 12, "decimal_places": 2}


class DateInput(forms.DateInput):
    """The browser's date picker; the value travels as ISO (accepted in every language)."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class AmountInput(forms.NumberInput):
    def __init__(self, attrs=None):
        super().__init__(attrs={"step": "0.01", "min": "0", "class": "text-end", **(attrs or {})})


def money_field(label, **kwargs) -> forms.DecimalField:
    return forms.DecimalField(label=label, **MONEY_DIGITS, widget=AmountInput, **kwargs)


def percent_field(label, **kwargs) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        **PERCENT_DIGITS,
        widget=AmountInput(attrs={"max": "100"}),
        **kwargs,
    )


def date_field(label, **kwargs) -> forms.DateField:
    return forms.DateField(label=label, widget=DateInput, **kwargs)


def refresh_attrs(url: str) -> dict:
    """htmx: changing this field reloads the dialog's form with the defaults for the new value,
    posting it with `refresh` (the values and the CSRF token stay out of the URL)."""
    return {
        "data-hx-post": url,
        "data-hx-vals": '{"refresh": "1"}',
        "data-hx-include": "closest form",
        "data-hx-target": "closest form",
        "data-hx-swap": "outerHTML",
    }


class VersionForm(forms.Form):
    """What every dialog and button on an opportunity posts: the version the user saw.

    `required=False` where there may be no opportunity to check (a quote or an order whose
    opportunity was deleted): left empty, the service checks no version.
    """

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, required: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].required = required


class OpportunityCreateForm(forms.Form):
    """New opportunity, optionally on the first stage with its three figures."""

    description = forms.CharField(label=_("Description"), max_length=100)
    contact = ContactField(label=_("Contact"), queryset=Contact.objects.select_related("company"))
    salesperson = SalespersonField(
        label=_("Salesperson"), required=False, empty_label=_("The contact's salesperson")
    )
    sales_cycle = forms.ModelChoiceField(
        label=_("Sales cycle"), queryset=SalesCycle.objects.all(), to_field_name="code"
    )
    priority = forms.ChoiceField(
        label=_("Priority"),
        choices=Opportunity.Priority.choices,
        initial=Opportunity.Priority.NORMAL,
    )
    activate_first_stage = forms.BooleanField(
        label=_("Activate first stage"), required=False, initial=True
    )
    estimated_value = money_field(_("Estimated value"), required=False)
    chances_of_success = percent_field(
        _("Chances of success %"),
        required=False,
        help_text=_("Blank: the first stage's default."),
    )
    estimated_close_date = date_field(
        _("Estimated closing date"),
        required=False,
        help_text=_("Blank: from the first stage's date formula."),
    )

    def __init__(
        self,
        *args,
        fixed_contact=None,
        fixed_salesperson=None,
        sole_salesperson: Salesperson | None = None,
        **kwargs,
    ):
        """`sole_salesperson`: the only one allowed (a salesperson creates for themselves)."""
        super().__init__(*args, **kwargs)
        self.sole_salesperson = sole_salesperson
        # Only what may be chosen is offered; a blocked one typed in anyway reaches the service.
        salesperson = self.fields["salesperson"]
        if sole_salesperson is not None:
            salesperson.initial = sole_salesperson.code
            salesperson.empty_label = None
            salesperson.offer(Salesperson.objects.filter(pk=sole_salesperson.pk))
        else:
            salesperson.offer(Salesperson.objects.filter(blocked=False), active_only=True)
        self.fields["sales_cycle"].widget.choices = _choices(
            SalesCycle.objects.filter(blocked=False), "code", BLANK_CHOICE_LABEL
        )
        if fixed_contact is not None:
            self.fields["contact"].initial = fixed_contact.number
            self.fields["contact"].disabled = True
        if fixed_salesperson is not None:
            salesperson.initial = fixed_salesperson.code
            salesperson.disabled = True
            salesperson.help_text = ""
            salesperson.empty_label = None
            salesperson.offer(Salesperson.objects.filter(pk=fixed_salesperson.pk))

    def clean_salesperson(self) -> Salesperson | None:
        salesperson = self.cleaned_data["salesperson"]
        sole = self.sole_salesperson
        if sole is None:
            return salesperson  # blank: the service takes the contact's
        if salesperson is not None and salesperson != sole:
            raise forms.ValidationError(
                _("You can only create opportunities for yourself (%(code)s)."),
                code="not_own",
                params={"code": sole.code},
            )
        return sole


def _choices(queryset, field: str, empty_label) -> list:
    return [("", empty_label), *((getattr(obj, field), str(obj)) for obj in queryset)]


# An update action as the dialog offers it, saying where it goes.
ACTION_TO = {
    UpdateAction.FIRST: _("First: %(stage)s"),
    UpdateAction.NEXT: _("Next: %(stage)s"),
    UpdateAction.PREVIOUS: _("Previous: %(stage)s"),
    UpdateAction.UPDATE: _("Update: %(stage)s"),
}
ACTION_RANGE = {
    UpdateAction.SKIP: _("Skip: %(first)s to %(last)s"),
    UpdateAction.JUMP: _("Jump: %(first)s to %(last)s"),
}


def action_choice(action: UpdateAction, targets: list) -> str:
    """The action and its target stages: "Next: Proposal", "Skip: Proposal to Signing"."""
    if len(targets) == 1 and action in ACTION_TO:
        return ACTION_TO[action] % {"stage": targets[0].description}
    if len(targets) > 1 and action in ACTION_RANGE:
        values = {"first": targets[0].description, "last": targets[-1].description}
        return ACTION_RANGE[action] % values
    return action.label


class UpdateForm(VersionForm):
    """Update opportunity: the action, its target, and the figures of the new entry (3.4)."""

    action = forms.TypedChoiceField(
        label=_("Action type"), choices=UpdateAction.choices, coerce=UpdateAction
    )
    to_stage = forms.ModelChoiceField(label=_("Stage"), queryset=None, required=False)
    date_of_change = date_field(_("Date of change"), required=False)
    estimated_value = money_field(_("Estimated value"), required=False)
    chances_of_success = percent_field(_("Chances of success %"), required=False)
    estimated_close_date = date_field(_("Estimated closing date"), required=False)

    def __init__(self, *args, opportunity: Opportunity, actions: dict, refresh_url: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.actions = actions
        self.fields["action"].widget.attrs.update(refresh_attrs(refresh_url))
        self.fields["to_stage"].widget.attrs.update(refresh_attrs(refresh_url))
        self.fields["to_stage"].queryset = opportunity.sales_cycle.stages.all()
        self.fields["action"].widget.choices = [
            (action.value, action_choice(action, actions[action]))
            for action in UpdateAction
            if action in actions
        ]
        targets = actions.get(self.chosen_action(), [])
        # The target is asked for only when the action offers a choice (skip and jump).
        self.target_choice = len(targets) > 1
        if self.target_choice:
            self.fields["to_stage"].widget.choices = [
                (stage.pk, f"{stage.stage} {stage.description}") for stage in targets
            ]
        else:
            self.fields["to_stage"].widget = forms.HiddenInput()
            self.initial["to_stage"] = None

    def chosen_action(self) -> str | None:
        if self.is_bound:
            return self.data.get(self.add_prefix("action"))
        return self.initial.get("action")


class EditForm(VersionForm):
    """Edit opportunity: its general fields. The salesperson is a manager's field
    (`may_assign`), the sales cycle is one only while the opportunity is not started; once it
    is started, the contacts listed are those of its company, as the rules allow."""

    description = forms.CharField(label=_("Description"), max_length=100)
    priority = forms.ChoiceField(label=_("Priority"), choices=Opportunity.Priority.choices)
    contact = ContactField(label=_("Contact"))
    salesperson = SalespersonField(label=_("Salesperson"), empty_label=None)
    sales_cycle = forms.ModelChoiceField(
        label=_("Sales cycle"), queryset=SalesCycle.objects.all(), to_field_name="code"
    )

    def __init__(self, *args, opportunity: Opportunity, may_assign: bool, **kwargs):
        super().__init__(*args, **kwargs)
        started = opportunity.status != Opportunity.Status.NOT_STARTED
        # Offered: what may be chosen, the current value (even when blocked since), and what was
        # posted, so that a choice the rules refuse shows with its message. Required and always
        # filled in: no empty choice.
        if started:
            # Suggested: the contacts of its company (itself only, for a person without one).
            self.fields["contact"].within_company(opportunity.contact)
            self.fields["contact"].help_text = _(
                "The opportunity is started: another contact of the same company."
            )
        if may_assign:
            offered = self._posted(
                "salesperson", Q(blocked=False) | Q(pk=opportunity.salesperson_id)
            )
            self.fields["salesperson"].offer(Salesperson.objects.filter(offered), active_only=True)
        else:
            del self.fields["salesperson"]
        if started:
            del self.fields["sales_cycle"]
        else:
            self._list("sales_cycle", Q(blocked=False) | Q(pk=opportunity.sales_cycle_id))

    def _posted(self, name: str, offered: Q) -> Q:
        """The rows `offered`, and the one posted."""
        if self.is_bound:
            try:
                posted = self.fields[name].clean(self.data.get(self.add_prefix(name)))
            except forms.ValidationError:  # unknown, or no value a column could hold
                posted = None
            if posted is not None:
                offered |= Q(pk=posted.pk)
        return offered

    def _list(self, name: str, offered: Q) -> None:
        """The options of a select: the rows `offered` and the one posted."""
        field = self.fields[name]
        key = field.to_field_name
        rows = field.queryset.filter(self._posted(name, offered)).order_by(key)
        field.widget.choices = [(getattr(row, key), str(row)) for row in rows]


class CloseForm(VersionForm):
    """Close opportunity: won or lost, why, when, and for how much."""

    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=CloseOpportunityCode.Type.choices,
        widget=forms.RadioSelect,
        initial=CloseOpportunityCode.Type.WON,
    )
    close_code = forms.ModelChoiceField(
        label=_("Close opportunity code"),
        queryset=CloseOpportunityCode.objects.all(),
        to_field_name="code",
        required=False,
    )
    # Required, as in BC ("Code fin opportunité et Date clôture sont obligatoires"); the dialog
    # pre-fills the service's default. The code is checked by the service, with its message.
    date_closed = date_field(_("Closing date"))
    sales_value = money_field(_("Sales value"), required=False)

    def __init__(
        self, *args, codes, refresh_url: str, quote_total: Decimal | None = None, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.fields["outcome"].widget.attrs.update(refresh_attrs(refresh_url))
        outcome = self.chosen_outcome()
        of_type = [code for code in codes if code.type == outcome]
        # Marked required as the rules require them; the service refuses without, in its words.
        self.fields["close_code"].rule_required = True
        self.fields["sales_value"].rule_required = (
            outcome == CloseOpportunityCode.Type.WON and quote_total is None
        )
        self.fields["close_code"].widget.choices = [
            ("", BLANK_CHOICE_LABEL),
            *((code.code, f"{code.code} {code.description}") for code in of_type),
        ]
        self.quote_total = quote_total
        if quote_total is not None:
            # The open quote's total is the sales value; the service uses it whatever is sent.
            field = self.fields["sales_value"]
            field.disabled = True
            self.initial["sales_value"] = quote_total
            field.help_text = _("The total of the linked quote.")
        if outcome != CloseOpportunityCode.Type.WON:
            self.fields["sales_value"].widget = forms.HiddenInput()

    def chosen_outcome(self) -> str:
        if self.is_bound:
            return self.data.get(self.add_prefix("outcome")) or CloseOpportunityCode.Type.WON
        return self.initial.get("outcome") or self.fields["outcome"].initial


class CloseCodeForm(forms.ModelForm):
    """A new close code, added from the close dialog."""

    class Meta:
        model = CloseOpportunityCode
        fields = ["code", "type", "description"]
        labels = {"code": _("New code"), "type": _("Type"), "description": _("Description")}


class QuoteLineForm(forms.ModelForm):
    """A line of a quote: the service writes it."""

    class Meta:
        model = QuoteLine
        fields = ["description", "quantity", "unit_price"]
        widgets = {
            "quantity": AmountInput(attrs={"data-line": "quantity"}),
            "unit_price": AmountInput(attrs={"data-line": "unit_price"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The inputs sit in the cells of a table row; the form element is in the last cell.
        form_id = f"{self.prefix}-form"
        for name, field in self.fields.items():
            field.widget.attrs["form"] = form_id
            field.widget.attrs["aria-label"] = field.label
            if name == "description":
                field.widget.attrs["class"] = "form-control form-control-sm"
            else:
                field.widget.attrs["class"] = "form-control form-control-sm text-end"

    @property
    def form_id(self) -> str:
        return f"{self.prefix}-form"


class MakeOrderForm(VersionForm):
    """Make order: an in-progress opportunity is closed as won in the same step."""

    close_code = forms.ModelChoiceField(
        label=_("Close opportunity code"),
        queryset=CloseOpportunityCode.objects.all(),
        to_field_name="code",
        required=False,
    )
    date_closed = date_field(_("Closing date"))  # required, pre-filled: as in the close dialog

    def __init__(self, *args, closes: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.closes = closes
        if not closes:
            del self.fields["close_code"]
            del self.fields["date_closed"]
            return
        won = CloseOpportunityCode.objects.filter(type=CloseOpportunityCode.Type.WON)
        self.fields["close_code"].rule_required = True  # the service refuses without, in its words
        self.fields["close_code"].widget.choices = [
            ("", BLANK_CHOICE_LABEL),
            *((code.code, f"{code.code} {code.description}") for code in won),
        ]


class BatchDeleteForm(forms.Form):
    """The filters of the batch job "Delete opportunities"."""

    number_from = forms.CharField(label=_("Number from"), max_length=20, required=False)
    number_to = forms.CharField(label=_("Number to"), max_length=20, required=False)
    date_closed_from = date_field(_("Closed from"), required=False)
    date_closed_to = date_field(_("Closed to"), required=False)
    salesperson = SalespersonField(label=_("Salesperson"), required=False)
    contact = ContactField(label=_("Contact no."), required=False)
    sales_cycle = forms.ModelChoiceField(
        label=_("Sales cycle"),
        queryset=SalesCycle.objects.all(),
        to_field_name="code",
        required=False,
    )
    # Deleting without any filter is a choice of its own, never what empty fields mean.
    all_closed = forms.BooleanField(
        label=_("All closed opportunities"),
        required=False,
        help_text=_("Without any filter: every won and lost opportunity."),
    )

    FILTERS = tuple(BATCH_LOOKUPS)
    REFUSALS = {
        "all_with_filters": _(
            "“All closed opportunities” deletes without any filter: clear the filters or untick it."
        ),
        "no_filter": _(
            "Choose at least one filter, or tick “All closed opportunities” to delete "
            "every closed opportunity."
        ),
    }

    def clean_number_from(self):
        return self.cleaned_data["number_from"].strip().upper()

    def clean_number_to(self):
        return self.cleaned_data["number_to"].strip().upper()

    def clean(self):
        cleaned_data = super().clean()
        if self.errors:  # a filter that does not parse already says so
            return cleaned_data
        try:
            job_services.check_selection(
                filtered=any(cleaned_data.get(name) for name in self.FILTERS),
                all_closed=bool(cleaned_data.get("all_closed")),
            )
        except ValidationError as error:
            # The rule's refusal, in the page's words (a box to tick).
            raise forms.ValidationError(self.REFUSALS[error.code], code=error.code) from error
        return cleaned_data

    def filters(self) -> dict:
        """The batch job's filters: the keyword arguments of the deletion service and of
        `Opportunity.objects.matching`."""
        return {name: self.cleaned_data[name] or None for name in self.FILTERS}

    def selected(self) -> QuerySet[Opportunity]:
        """The closed opportunities the filters select: what the preview counts."""
        return Opportunity.objects.closed().matching(**self.filters())

    def selection(self) -> dict:
        """The selection as plain values, the same however it was typed: what a confirmation
        carries, and is compared on."""
        data = self.cleaned_data
        return {
            "number_from": data["number_from"],
            "number_to": data["number_to"],
            "date_closed_from": data["date_closed_from"].isoformat()
            if data["date_closed_from"]
            else "",
            "date_closed_to": data["date_closed_to"].isoformat() if data["date_closed_to"] else "",
            "salesperson": data["salesperson"].code if data["salesperson"] else "",
            "contact": data["contact"].number if data["contact"] else "",
            "sales_cycle": data["sales_cycle"].code if data["sales_cycle"] else "",
            "all_closed": bool(data["all_closed"]),
        }

    def chosen(self) -> list[tuple[str, str]]:
        """The filters in use as the preview lists them: (label, value)."""
        shown = []
        for name in self.FILTERS:
            value = self.cleaned_data[name]
            if value:
                if isinstance(value, datetime.date):
                    value = date_format(value, "SHORT_DATE_FORMAT")
                shown.append((str(self.fields[name].label), str(value)))
        return shown
