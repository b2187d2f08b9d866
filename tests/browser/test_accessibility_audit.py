"""The audit every browser test runs: axe-core, added to each document the browser opens, reports
a page's violations when it has loaded and when asked, each with its rule and nodes, and finds
none on a page that has none; what is not a page of the site (JSON, a blank tab) is not audited.
A page without JavaScript is audited from its HTML (`audit_html`), as its user sees it."""

import pytest

from tests.browser.pages import DESKTOP, audit, audit_html, violations_message, watch_accessibility

pytestmark = pytest.mark.browser

PAGE = """<!doctype html><html lang="en"><head><title>Audit</title></head>
<body><main><h1>Audit</h1>{body}</main></body></html>"""


URL = "http://audit.test/"


@pytest.fixture
def context(browser):
    context = browser.new_context()
    yield context
    context.close()


def serve(context, body: str):
    """A page at URL with that body, and the browser on it."""
    html = PAGE.format(body=body)
    context.route(URL, lambda route: route.fulfill(body=html, content_type="text/html"))
    page = context.new_page()
    page.goto(URL)
    return page


def test_a_violation_on_a_loaded_page_is_reported_with_its_rule_and_node(context):
    results = watch_accessibility(context)
    page = serve(context, '<img src="data:," id="no-alt">')
    final = audit(page)
    assert [v["id"] for v in final["violations"]] == ["image-alt"]
    assert any(r["trigger"] == "load" and r["violations"] for r in results)
    message = violations_message([final])
    assert "(end of test): image-alt [critical]" in message
    assert "#no-alt: " in message


def test_a_page_without_violation_reports_none(context):
    results = watch_accessibility(context)
    page = serve(context, "<p>Plain text.</p>")
    assert audit(page)["violations"] == []
    assert [result["trigger"] for result in results] == ["load"]
    assert results[0]["violations"] == []


def test_a_json_answer_and_a_blank_page_are_not_audited(context):
    results = watch_accessibility(context)
    json = {"body": '{"a": 1}', "content_type": "application/json"}
    context.route(URL, lambda route: route.fulfill(**json))
    page = context.new_page()
    page.goto(URL)
    assert audit(page)["violations"] == []
    assert results == []
    blank = context.new_page()
    assert audit(blank) == {"url": "about:blank", "trigger": "end of test", "violations": []}


def shown_without_javascript(browser, body: str) -> str:
    """The HTML a browser without JavaScript shows for a page at URL with that body."""
    context = browser.new_context(java_script_enabled=False)
    try:
        html = PAGE.format(body=body)
        context.route(URL, lambda route: route.fulfill(body=html, content_type="text/html"))
        page = context.new_page()
        page.goto(URL)
        return page.content()
    finally:
        context.close()


def test_a_violation_on_a_page_without_javascript_is_reported_with_its_rule_and_node(browser):
    form = '<form><input type="text" id="unlabelled" name="q"><button>Go</button></form>'
    html = shown_without_javascript(browser, form)
    result = audit_html(browser, [(URL, html)], viewport=DESKTOP)[0]
    assert result["url"] == URL
    assert [v["id"] for v in result["violations"]] == ["label"]
    message = violations_message([result])
    assert f"{URL} (load): label [critical]" in message
    assert "#unlabelled: " in message


def test_a_page_without_javascript_and_without_violation_reports_none(browser):
    form = '<form><label for="q">Search</label><input id="q" name="q"><button>Go</button></form>'
    html = shown_without_javascript(browser, form)
    assert audit_html(browser, [(URL, html)], viewport=DESKTOP)[0]["violations"] == []


def test_what_only_a_browser_without_javascript_shows_is_audited_and_the_pages_scripts_are_not_run(
    browser,
):
    # A nameless button inside <noscript>, and a script that would remove every violation.
    body = (
        '<noscript><button type="submit" id="nameless"></button></noscript>'
        '<script>document.querySelector("main").innerHTML = "";</script>'
    )
    html = shown_without_javascript(browser, body)
    result = audit_html(browser, [(URL, html)], viewport=DESKTOP)[0]
    assert [v["id"] for v in result["violations"]] == ["button-name"]
