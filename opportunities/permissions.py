"""Who may do what (the roles are in opportunities.roles).

Model permissions say what a role may do at all; ownership narrows the salesperson role to the
opportunities whose salesperson is the user. Views and templates ask these functions, so a
button the user may not use is not shown and its URL refuses.
"""

from opportunities.models import Opportunity


def salesperson_id_of(user) -> int | None:
    """The salesperson a logged-in user is, if any (cached on the user for the request)."""
    if not hasattr(user, "_salesperson_id"):
        salesperson = getattr(user, "salesperson", None) if user.is_authenticated else None
        user._salesperson_id = salesperson.pk if salesperson else None
    return user._salesperson_id


def can_act_on(user, opportunity: Opportunity) -> bool:
    """Update, close, quote and order: managers on every opportunity, salespeople on theirs."""
    if not user.has_perm("opportunities.change_opportunity"):
        return False
    if user.has_perm("opportunities.act_on_all_opportunities"):
        return True
    return opportunity.salesperson_id is not None and (
        opportunity.salesperson_id == salesperson_id_of(user)
    )


def can_create(user) -> bool:
    return user.has_perm("opportunities.add_opportunity")


def can_assign(user, salesperson) -> bool:
    """Whose opportunity a user may make one: managers anyone's, salespeople only their own."""
    if user.has_perm("opportunities.act_on_all_opportunities"):
        return True
    return salesperson is not None and salesperson.pk == salesperson_id_of(user)


def can_delete(user) -> bool:
    """Deleting closed opportunities, one or in a batch: sales managers."""
    return user.has_perm("opportunities.delete_opportunity")


def can_create_customer(user) -> bool:
    return user.has_perm("contacts.add_customer")
