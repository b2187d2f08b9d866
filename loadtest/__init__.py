"""A bounded load test: simulated users on gunicorn and PostgreSQL, then the ledger checked.

`python -m loadtest` (or `make load`) builds a fresh database with the demo data, serves it with
gunicorn as in production, lets `--users` users work for `--seconds` seconds through the real
pages and forms, and fails on any server error, socket error, lost update or inconsistent
ledger. See `loadtest.run`.
"""
