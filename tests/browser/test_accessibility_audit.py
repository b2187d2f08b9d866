"""The audit every browser test runs: axe-core, added to each document the browser opens, reports
a page's violations when it has loaded and when asked, each with its rule and nodes, and finds
none on a page that has none; what is not a page of the site (JSON, a blank tab) is not audited."""

import pytest

from tests.browser.pages import audit, violations_message, watch_accessibility

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
