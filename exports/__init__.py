"""Exports the opportunity, entry, contact and salesperson lists as CSV or XLSX, streamed."""
