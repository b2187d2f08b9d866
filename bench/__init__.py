"""The performance benchmark: `python -m bench` (README, section "Performance").

It generates a large data set on PostgreSQL (and a smaller one on SQLite), measures the
opportunity list, the card, the actions, the batch deletion and HTTP throughput, and compares
each figure with a baseline measured in the same run: the same SQL through a raw database
connection. Absolute times drift on a shared machine; the ratios are what the goals judge.
"""
