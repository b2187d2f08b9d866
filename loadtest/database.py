"""The load test's own PostgreSQL database, made fresh for every run."""

from urllib.parse import urlsplit, urlunsplit

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/crm_load"


def name_of(url: str) -> str:
    name = urlsplit(url).path.lstrip("/")
    if not name.replace("_", "").isalnum():
        raise ValueError(f"{url}: expected a database name of letters, digits and underscores")
    return name


def server_url(url: str) -> str:
    """The same server's `postgres` database: where databases are created and dropped."""
    return urlunsplit(urlsplit(url)._replace(path="/postgres"))


def unreachable(url: str, timeout: int = 3) -> str | None:
    """Why the server does not answer, or None when it does."""
    import psycopg

    try:
        with psycopg.connect(server_url(url), connect_timeout=timeout):
            return None
    except psycopg.Error as error:
        return str(error).strip() or type(error).__name__


def _run(url: str, *statements) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(server_url(url), autocommit=True) as connection:
        for statement in statements:
            connection.execute(sql.SQL(statement).format(sql.Identifier(name_of(url))))


def create_fresh(url: str) -> None:
    _run(url, "DROP DATABASE IF EXISTS {} WITH (FORCE)", "CREATE DATABASE {}")


def drop(url: str) -> None:
    _run(url, "DROP DATABASE IF EXISTS {} WITH (FORCE)")
