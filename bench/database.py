"""The benchmark's own PostgreSQL database: created fresh, dropped on request."""

from urllib.parse import urlsplit, urlunsplit

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/crm_bench"


def database_name(url: str) -> str:
    name = urlsplit(url).path.lstrip("/")
    if not name:
        raise ValueError(f"{url} names no database")
    return name


def maintenance_url(url: str) -> str:
    """The same server's `postgres` database, from which others are created and dropped."""
    return urlunsplit(urlsplit(url)._replace(path="/postgres"))


def reachable(url: str, timeout: int = 3) -> str | None:
    """None when the server answers; otherwise why not."""
    import psycopg

    try:
        with psycopg.connect(maintenance_url(url), connect_timeout=timeout):
            return None
    except psycopg.Error as error:
        return str(error).strip() or error.__class__.__name__


def _run(url: str, *statements: str) -> None:
    """Statements about the database of `url` ({} is its name), from the maintenance one."""
    import psycopg
    from psycopg import sql

    name = sql.Identifier(database_name(url))
    with psycopg.connect(maintenance_url(url), autocommit=True) as connection:
        for statement in statements:
            connection.execute(sql.SQL(statement).format(name))


def recreate(url: str) -> None:
    _run(url, "DROP DATABASE IF EXISTS {} WITH (FORCE)", "CREATE DATABASE {}")


def drop(url: str) -> None:
    _run(url, "DROP DATABASE IF EXISTS {} WITH (FORCE)")
