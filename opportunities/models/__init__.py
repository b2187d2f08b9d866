"""Opportunities, their ledger of entries, close codes, quotes and sales orders.

The state of an opportunity changes only through `opportunities.services`; the models hold the
data, the database constraints and the reads.
"""

from opportunities.models.choices import (
    CLOSED_STATUSES,
    MONEY,
    OPEN_STATUSES,
    ZERO,
    CloseCodeType,
    EntryAction,
    OpportunityPriority,
    OpportunityStatus,
    UpdateAction,
    money_field,
    probability_field,
)
from opportunities.models.codes import CloseOpportunityCode
from opportunities.models.documents import (
    DocumentLine,
    Quote,
    QuoteLine,
    SalesDocument,
    SalesOrder,
    SalesOrderLine,
    document_total,
)
from opportunities.models.entries import OpportunityEntry
from opportunities.models.opportunity import (
    BATCH_LOOKUPS,
    BatchFilters,
    Opportunity,
    OpportunityQuerySet,
)

__all__ = [
    "BATCH_LOOKUPS",
    "CLOSED_STATUSES",
    "MONEY",
    "OPEN_STATUSES",
    "ZERO",
    "BatchFilters",
    "CloseCodeType",
    "CloseOpportunityCode",
    "DocumentLine",
    "EntryAction",
    "Opportunity",
    "OpportunityEntry",
    "OpportunityPriority",
    "OpportunityQuerySet",
    "OpportunityStatus",
    "Quote",
    "QuoteLine",
    "SalesDocument",
    "SalesOrder",
    "SalesOrderLine",
    "UpdateAction",
    "document_total",
    "money_field",
    "probability_field",
]
