"""The refusal every service raises, and the messages of its codes."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MESSAGES = {
    "closed": _("Opportunity %(number)s is closed and cannot change."),
    "not_closed": _("You can only delete closed opportunities."),
    "not_in_progress": _("Opportunity %(number)s is not in progress."),
    "action_not_offered": _("This action is not offered for opportunity %(number)s now."),
    "invalid_target": _("Stage %(stage)s is not a target of this action."),
    "no_stages": _("Sales cycle %(cycle)s has no stages."),
    "date_before_last_change": _(
        "The date %(date)s is before the last change of the opportunity, on %(last)s."
    ),
    "date_required": _("A date is required."),
    "quote_required": _(
        "Stage %(stage)s requires a quote: create a quote for the opportunity first."
    ),
    "estimated_value_required": _("The estimated value must be greater than zero."),
    "chances_invalid": _("The chances of success must be greater than 0 and at most 100."),
    "close_date_before_change": _(
        "The estimated closing date %(close_date)s is before the date of change %(date)s."
    ),
    "outcome_invalid": _("Choose whether the opportunity was won or lost."),
    "close_code_required": _("A close code is required."),
    "close_code_type": _("Close code %(code)s is not a code for %(outcome)s opportunities."),
    "sales_value_required": _("The sales value of a won opportunity must be greater than zero."),
    "quote_exists": _("Opportunity %(number)s already has an open quote, %(quote)s."),
    "contact_not_company": _(
        "You can only create sales quotes from opportunities whose contact type is Company."
    ),
    "quote_not_open": _("Quote %(quote)s is converted to an order and cannot change."),
    "customer_required": _("Contact %(contact)s is not a customer yet: create the customer first."),
    "customer_exists": _("Contact %(contact)s is already customer %(customer)s."),
    "blocked": _("%(what)s is blocked."),
    "required": _("%(field)s is required."),
    "protected": _("%(what)s is in use and cannot be deleted."),
    "date_out_of_range": _(
        "The date %(date)s is out of range: dates from %(first)s to %(last)s are accepted."
    ),
    "amount_too_large": _(
        "The amount is too large: an amount, and a quote's total, can be at most %(largest)s."
    ),
    "assign_not_allowed": _(
        "Only a sales manager can give opportunity %(number)s to another salesperson."
    ),
    "stale": _(
        "Opportunity %(number)s was changed by someone else since you opened it. Its current "
        "state is shown; check it and try again."
    ),
}


class Refusal(ValidationError):
    """A rule refused an action; nothing was written. `code` says which rule."""

    def __init__(self, code: str, /, **params):
        # Positional-only: a message may itself have a "code" parameter (close_code_type).
        super().__init__(MESSAGES[code], code=code, params=params or None)
