"""The rules of opportunity management.

Every state change of an opportunity goes through these functions. Each one is atomic, locks
the opportunity's row, re-checks its rules on the locked copy, writes the opportunity and its
ledger entry together and writes nothing when it refuses. A refusal is a `Refusal` (a
`ValidationError`) with a translated message and a stable code.

The services that write an entry take the acting `user` (`core.User`; the entry records it as
`created_by`), and `change_opportunity` takes it to check whose an opportunity may become;
the others record nothing of who acts and do not take it. The locked-row primitives they
share are in `core`.
"""

from opportunities.services.deletion import delete_closed_opportunities, delete_opportunity
from opportunities.services.documents import (
    add_quote_line,
    create_customer,
    create_quote,
    delete_order,
    delete_quote,
    delete_quote_line,
    make_order,
    update_quote_line,
)
from opportunities.services.editing import UNSET, change_opportunity
from opportunities.services.errors import Refusal
from opportunities.services.lifecycle import (
    Offer,
    activate_first_stage,
    available_actions,
    close_defaults,
    close_opportunity,
    create_opportunity,
    has_stages_by_cycle,
    next_stage,
    offered,
    stages_by_cycle,
    update_defaults,
    update_opportunity,
)

__all__ = [
    "UNSET",
    "Offer",
    "Refusal",
    "activate_first_stage",
    "add_quote_line",
    "available_actions",
    "change_opportunity",
    "close_defaults",
    "close_opportunity",
    "create_customer",
    "create_opportunity",
    "create_quote",
    "delete_closed_opportunities",
    "delete_opportunity",
    "delete_order",
    "delete_quote",
    "delete_quote_line",
    "has_stages_by_cycle",
    "make_order",
    "next_stage",
    "offered",
    "stages_by_cycle",
    "update_defaults",
    "update_opportunity",
    "update_quote_line",
]
