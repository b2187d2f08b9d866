"""Potential sales moved through their sales cycle, their ledger, quotes and orders."""
