"""Playwright against a live server, on Debian's Chromium.

Without Chromium the browser tests skip with the reason, except in CI (CI=true), where a
missing browser is a failure.

Under pytest-xdist each worker that runs a browser test has its own Chromium (the session
fixtures are per process) and its own live server on a free port (pytest-django's default: no
fixed port is given), so two workers never share one.
"""

import os
import shutil
import threading

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test.testcases import LiveServerThread

from tests.browser.pages import DESKTOP, audit, violations_message, watch_accessibility

# Playwright's sync API runs an event loop in this thread; the test's own ORM calls are safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


class OneRequestAtATimeServer(ThreadedWSGIServer):
    """The live server, answering one request at a time (its body read to the end inside).

    On SQLite the test database lives in memory and every thread of the live server shares the
    test's one connection: two requests at once (a list page and its totals, which htmx asks for
    as it loads) would read each other's rows. A connection kept open between requests does not
    hold the others back.

    Each connection is served by a thread of its own, which ends when the browser closes it;
    `join_connections` waits for those threads (their end closes the shared connection, which
    has to happen before the live server stops sharing it).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.serving: set[threading.Thread] = set()

    def process_request_thread(self, request, client_address):
        self.serving.add(threading.current_thread())
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.serving.discard(threading.current_thread())

    def join_connections(self, timeout: float = 10) -> None:
        for thread in list(self.serving):
            thread.join(timeout)

    def set_app(self, application):
        lock = threading.Lock()

        def one_at_a_time(environ, start_response):
            with lock:
                body = application(environ, start_response)
                try:
                    return [b"".join(body)]
                finally:
                    if hasattr(body, "close"):
                        body.close()

        super().set_app(one_at_a_time)


LiveServerThread.server_class = OneRequestAtATimeServer


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = shutil.which("chromium")
    if path is None:
        reason = "Chromium is not installed (apt-get install chromium)."
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} CI needs it.")
        pytest.skip(reason)
    return path


@pytest.fixture(scope="session")
def playwright_instance(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance, chromium_path):
    browser = playwright_instance.chromium.launch(
        executable_path=chromium_path,
        args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    )
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def kept_pages(browser, live_server):
    """The worker's browser page for each language ("en", "fr"), each in a context of its own,
    kept from one test to the next: a new page costs a renderer process, some 0.4 s each time.
    They close before the live server stops, and the server's threads for their connections end
    too."""
    pages: dict = {}
    yield pages
    for page in pages.values():
        page.context.close()
    live_server.thread.httpd.join_connections()


def kept_page(browser, pages: dict, language: str):
    """The language's kept page, as a new one: no cookie, desktop size, nothing in its session
    storage, blank (a previous test left it on about:blank, or it is new)."""
    page = pages.get(language)
    if page is None:
        locale = "fr-FR" if language == "fr" else "en-US"
        context = browser.new_context(viewport=DESKTOP, locale=locale)
        context.set_default_timeout(10_000)
        watch_accessibility(context)
        page = pages[language] = context.new_page()
        page.on(
            "console",
            lambda message: (
                page.console_errors.append(message.text) if message.type == "error" else None
            ),
        )
        page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    page.context.clear_cookies()
    page.context.accessibility_results.clear()
    page.set_viewport_size(DESKTOP)
    page.console_errors = []
    return page


def leave(pages: dict, language: str) -> None:
    """What a test leaves in the language's context goes: the other pages it opened, the kept
    page's session storage and document. A context whose kept page is closed, or that cannot
    be cleaned, is closed, and the next test makes a new one."""
    page = pages[language]
    if page.is_closed():  # the test closed it (and may have opened others): a new context next
        del pages[language]
        page.context.close()
        return
    try:
        for other in page.context.pages:
            if other != page:
                other.close()
        if page.url.startswith("http"):
            page.evaluate("() => sessionStorage.clear()")
        page.goto("about:blank")
    except Exception:
        del pages[language]
        page.context.close()
        raise


@pytest.fixture
def browser_page(request, django_db_setup, browser, live_server, kept_pages):
    """A page of a user whose browser speaks `request.param` ("en" or "fr"), as a new one.

    Console errors (a CSP violation, a failed script) fail the test, and so does any violation
    axe-core finds on a page the test visits (each document when it has loaded, each dialog
    opened or closed, each htmx swap, and the pages open at the end). The test database is set
    up before the live server starts, so that the server shares its connection.
    """
    language = getattr(request, "param", "en")
    page = kept_page(browser, kept_pages, language)
    context = page.context
    page.language = language
    page.base_url = live_server.url
    yield page
    accessibility = context.accessibility_results
    for open_page in context.pages:
        accessibility.append(audit(open_page))
    console_errors = list(page.console_errors)
    failed = [result for result in accessibility if result["violations"] or result.get("error")]
    leave(kept_pages, language)
    assert console_errors == []
    if failed:
        pytest.fail("axe-core found accessibility violations:\n" + violations_message(failed))
