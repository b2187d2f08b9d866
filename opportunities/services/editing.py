"""Editing an opportunity's general fields: no entry, and the rules on changing its references."""

from enum import Enum

from django.core.exceptions import ValidationError
from django.db import transaction

from contacts.models import Contact, Salesperson
from opportunities import permissions
from opportunities.models import Opportunity
from opportunities.services.core import User, lock, save_changes, sync
from opportunities.services.errors import Refusal
from salescycles.models import SalesCycle


class Unset(Enum):
    """The value of an argument that was not given: "leave this field as it is"."""

    UNSET = "unset"


UNSET = Unset.UNSET


@transaction.atomic
def change_opportunity(
    opportunity: Opportunity,
    *,
    description: str | Unset = UNSET,
    priority: str | Unset = UNSET,
    salesperson: Salesperson | Unset | None = UNSET,
    contact: Contact | Unset | None = UNSET,
    sales_cycle: SalesCycle | Unset | None = UNSET,
    expected_version: int | None = None,
    user: User | None = None,
) -> Opportunity:
    """Change the fields given, and only those; the version moves when one changes.

    Refused (nothing written) when the opportunity is closed, when a required field would be
    emptied, when `user` is a salesperson who gives the opportunity to someone else (a
    manager's action), and by the rules of `Opportunity.clean()`: a blocked salesperson or
    cycle, the cycle of a started opportunity, a contact outside the started one's company.
    Those come as a `ValidationError` by field, each with its code, and `code` set to the first.
    """
    locked = lock(opportunity, expected_version)
    if locked.closed:
        raise Refusal("closed", number=locked.number)
    given = {
        name: value
        for name, value in {
            "description": description,
            "priority": priority,
            "salesperson": salesperson,
            "contact": contact,
            "sales_cycle": sales_cycle,
        }.items()
        if value is not UNSET
    }
    if "description" in given:
        given["description"] = (given["description"] or "").strip()
    for name, value in given.items():
        if not value or (name == "priority" and value not in Opportunity.Priority.values):
            raise Refusal("required", field=Opportunity._meta.get_field(name).verbose_name)
    new_salesperson = given.get("salesperson")
    if (
        user is not None
        and new_salesperson is not None
        and new_salesperson.pk != locked.salesperson_id
        and not permissions.can_assign(user, new_salesperson)
    ):
        raise Refusal("assign_not_allowed", number=locked.number)
    for name, value in given.items():
        setattr(locked, name, value)
    try:
        locked.clean()
    except ValidationError as error:
        error.code = next(iter(error.error_dict.values()))[0].code
        raise
    if any(
        locked._as_locked[f.attname] != getattr(locked, f.attname) for f in _given_fields(given)
    ):
        locked.version += 1
        save_changes(locked)
    sync(opportunity, locked)
    return opportunity


def _given_fields(given: dict) -> list:
    return [Opportunity._meta.get_field(name) for name in given]
