"""Who may do what (the roles are in opportunities.roles).

Model permissions say what a role may do at all; ownership narrows the salesperson role to the
opportunities whose salesperson is the user (and to the quotes and orders of those, the contacts
they look after, and new opportunities for themselves). Views and templates ask these
functions, so a button the user may not use is not shown and its URL refuses.
"""

from django.contrib.auth.models import User
from django.http import QueryDict

from contacts.models import Contact, Salesperson
from opportunities import services
from opportunities.models import Opportunity, Quote, SalesOrder


def salesperson_id_of(user: User) -> int | None:
    """The salesperson a logged-in user is, if any (cached on the user for the request): whose
    opportunities are the user's "Mine" on the list and the board, a manager who sells too
    included; None for a user who is no salesperson (no "Mine" / "All" switch)."""
    if not hasattr(user, "_salesperson_id"):
        salesperson = getattr(user, "salesperson", None) if user.is_authenticated else None
        user._salesperson_id = salesperson.pk if salesperson else None
    return user._salesperson_id


def acts_on_all(user: User) -> bool:
    """A sales manager: acts for every salesperson."""
    return user.has_perm("opportunities.act_on_all_opportunities")


def opens_on_mine(user: User) -> bool:
    """Whether the list and the board open on "Mine": for a salesperson, not for a manager, who
    oversees the team and opens on "All" (their own, if they sell too, one click away)."""
    return not acts_on_all(user) and salesperson_id_of(user) is not None


def mine_by_default(query: QueryDict, user: User, **also: str) -> QueryDict:
    """The filters a list or the board opens with: a user who opens on "Mine" and chose no
    salesperson sees their own, with `also` (e.g. `status="open"`) where those are not chosen
    either; a manager sees everyone's. An explicit empty `salesperson=` is "All" and stays
    chosen."""
    data = query.copy()
    if "salesperson" in query or not opens_on_mine(user):
        return data
    data["salesperson"] = user.salesperson.code
    for name, value in also.items():
        data.setdefault(name, value)
    return data


def acts_for(user: User, salesperson_id: int | None) -> bool:
    """Managers act for every salesperson, anyone else only for the salesperson they are."""
    if acts_on_all(user):
        return True
    return salesperson_id is not None and salesperson_id == salesperson_id_of(user)


def can_act_on(user: User, opportunity: Opportunity) -> bool:
    """Update, close, quote and order: managers on every opportunity, salespeople on theirs."""
    return user.has_perm("opportunities.change_opportunity") and acts_for(
        user, opportunity.salesperson_id
    )


def can_act_on_document(
    user: User, document: Quote | SalesOrder, opportunity: Opportunity | None
) -> bool:
    """A quote or order follows its opportunity; once that is deleted, its own salesperson."""
    if opportunity is not None:
        return can_act_on(user, opportunity)
    return acts_for(user, document.salesperson_id)


def may_change_quote(user: User, quote: Quote, opportunity: Opportunity | None) -> bool:
    """Edit the lines of a quote (`opportunity`: the one linking it, if any)."""
    return user.has_perm("opportunities.change_quote") and can_act_on_document(
        user, quote, opportunity
    )


def may_make_order(user: User, quote: Quote, opportunity: Opportunity | None) -> bool:
    return user.has_perm("opportunities.add_salesorder") and may_change_quote(
        user, quote, opportunity
    )


def may_delete_quote(user: User, quote: Quote, opportunity: Opportunity | None) -> bool:
    return user.has_perm("opportunities.delete_quote") and may_change_quote(
        user, quote, opportunity
    )


def may_delete_order(user: User, order: SalesOrder, opportunity: Opportunity | None) -> bool:
    return user.has_perm("opportunities.delete_salesorder") and can_act_on_document(
        user, order, opportunity
    )


def can_create(user: User) -> bool:
    """New opportunities: a manager for anyone, a salesperson for themselves (so a user of the
    salesperson role who is no salesperson creates none)."""
    return user.has_perm("opportunities.add_opportunity") and (
        acts_on_all(user) or salesperson_id_of(user) is not None
    )


def sole_salesperson(user: User) -> Salesperson | None:
    """Whom a salesperson's new opportunities are for: themselves. None for a manager, who
    chooses anyone (or the contact's salesperson)."""
    if acts_on_all(user):
        return None
    return getattr(user, "salesperson", None)


def can_assign(user: User, salesperson) -> bool:
    """Whose opportunity a user may make one: managers anyone's, salespeople only their own."""
    if user.has_perm("opportunities.act_on_all_opportunities"):
        return True
    return salesperson is not None and salesperson.pk == salesperson_id_of(user)


def can_delete(user: User) -> bool:
    """Deleting closed opportunities, one or in a batch: sales managers."""
    return user.has_perm("opportunities.delete_opportunity")


def can_create_customer(user: User, contact: Contact) -> bool:
    """Make a contact a customer: its salesperson, or a manager."""
    return user.has_perm("contacts.add_customer") and acts_for(user, contact.salesperson_id)


def row_commands(
    user: User, opportunity: Opportunity, *, has_stages: bool | None = None
) -> set[str]:
    """The commands a row or card shows: what the state offers and the user may do.

    `has_stages`: whether the cycle has stages, when the caller knows (`services.offered`).
    """
    offered = services.offered(opportunity, has_stages=has_stages).commands
    allowed = set()
    if can_act_on(user, opportunity):
        allowed |= offered - {"delete"}
    if "delete" in offered and can_delete(user):
        allowed.add("delete")
    return allowed
