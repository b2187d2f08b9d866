"""Faults injected into the database connection at a chosen statement: a statement that fails,
or the connection killed by the server. Used through `connection.execute_wrapper`.

A fault counts the statements that go through the connection and acts at `position` (0-based).
It records whether it fired (a request or action with fewer statements never reaches it), the
statement it hit, and whether the action's writes had already been committed at that moment:
a failure after the commit (when the session is saved, say) cannot undo a finished action,
and the tests then check that the action is there whole, once.
"""

import re
from collections.abc import Callable

from django.db import DatabaseError, transaction

# A write to the application's tables (not the session's or the auth tables').
WRITE = re.compile(
    r"^\s*(INSERT INTO|UPDATE|DELETE FROM) "
    r'"(opportunities|contacts|salescycles|numbering|jobs|django_tasks_db)_'
)


class Fault:
    def __init__(self, position: int):
        self.position = position
        self.seen = 0
        self.fired = False
        self.sql = ""
        self.after_commit = False
        self._committed = False

    def __call__(self, execute, sql, params, many, context):
        position = self.seen
        self.seen += 1
        if position != self.position:
            result = execute(sql, params, many, context)
            if WRITE.match(sql):
                # Runs at once outside a transaction, at its commit inside one, never when it
                # is rolled back.
                transaction.on_commit(self._mark_committed, using=context["connection"].alias)
            return result
        self.fired = True
        self.sql = sql
        self.after_commit = self._committed
        return self.inject(execute, sql, params, many, context)

    def _mark_committed(self) -> None:
        self._committed = True

    @property
    def hit_a_write(self) -> bool:
        return bool(WRITE.match(self.sql))

    def inject(self, execute, sql, params, many, context):
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.position}: {self.sql[:70]!r})"


class FailAt(Fault):
    """The statement at `position` fails with a DatabaseError (or the given subclass, such as
    an OperationalError) instead of running; the connection itself stays usable."""

    def __init__(self, position: int, error: type[DatabaseError] = DatabaseError):
        super().__init__(position)
        self.error = error

    def inject(self, execute, sql, params, many, context):
        raise self.error(f"injected failure at statement {self.position}: {sql[:60]}")


class KillAt(Fault):
    """The server terminates the connection's backend just before the statement at `position`
    is sent. `terminate(pid)` does it from another connection and returns once the backend is
    gone."""

    def __init__(self, position: int, terminate: Callable[[int], None]):
        super().__init__(position)
        self.terminate = terminate

    def inject(self, execute, sql, params, many, context):
        self.terminate(context["connection"].connection.info.backend_pid)
        return execute(sql, params, many, context)


class KillTwiceAt(KillAt):
    """The connection is killed before the statement at `position`, and the next connection
    before its first statement: the site's retry after the first kill."""

    def __init__(self, position: int, terminate: Callable[[int], None]):
        super().__init__(position, terminate)
        self.first_backend = None
        self.twice = False

    def __call__(self, execute, sql, params, many, context):
        backend = context["connection"].connection.info.backend_pid
        if self.fired and not self.twice and backend != self.first_backend:
            self.twice = True
            self.seen += 1
            self.terminate(backend)
            return execute(sql, params, many, context)
        return super().__call__(execute, sql, params, many, context)

    def inject(self, execute, sql, params, many, context):
        self.first_backend = context["connection"].connection.info.backend_pid
        return super().inject(execute, sql, params, many, context)
