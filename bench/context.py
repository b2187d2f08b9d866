"""What every measurement needs: the database, a logged-in client, a raw connection, results."""

from collections.abc import Callable
from dataclasses import dataclass, field

from bench.report import Results


@dataclass
class Bench:
    vendor: str  # "postgresql" or "sqlite"
    database: str  # a libpq connection string, or the SQLite file's path
    results: Results
    reps: int
    client: object  # django.test.Client, logged in as a superuser
    raw: object  # a raw connection to the same database (bench.raw)
    size: int
    http_seconds: float = 5.0
    log: Callable[[str], None] = print
    shared: dict = field(default_factory=dict)  # handed from one measurement to the next

    def progress(self, message: str) -> None:
        self.log(f"  {message}")
