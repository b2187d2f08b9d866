"""Helpers of the browser tests: screenshots at two widths, waiting for pages, and axe-core's
accessibility audit of every page the tests visit."""

import re
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

SCREENSHOTS = Path(__file__).parent / "screenshots"
DESKTOP = {"width": 1366, "height": 900}  # the laptop width most of our users have
PHONE = {"width": 390, "height": 844}

# axe-core, from the npm registry (a development dependency: `make assets` installs it). It is
# never served by the site: the tests add it to every document the browser opens.
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"

# Runs in every document of a test's browser context, after axe-core: the audit runs when the
# page has loaded (the whole document), when a dialog has opened (the dialog) and after each
# htmx swap (what was swapped in; the rest of the document was audited already), once the
# page's transitions are over (a fading dialog would read as low contrast), one audit at a
# time. A document audited again unchanged, at the same size, gives the answer it gave. Each
# result goes to the test through the `axeReport` binding; `axeAudit` audits the whole
# document and answers it (the end of a test, a screenshot).
AXE_HOOK = """
(() => {
  if (window.top !== window || typeof axe === "undefined") return;
  // Never the faded copies of a card SortableJS draws while it is dragged.
  const EXCLUDED = [[".sortable-ghost"], [".sortable-fallback"], [".sortable-drag"]];
  // A page of the site: HTML from a server (not about:blank, not a JSON answer or a file).
  const auditable = () =>
    document.contentType === "text/html" && /^https?:$/.test(location.protocol);
  let chain = Promise.resolve();
  // What the next audit covers: null (none queued), a set of elements, or the whole document.
  let pending = null;
  const WHOLE = "the whole document";
  const answers = new Map();  // the whole document's answers, by its size and markup
  const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
  // A dialog fades in after its backdrop: quiet means no transition for two frames running.
  // (An endless animation, a spinner, is not waited for; nor anything past three seconds.)
  const transitionsOver = async () => {
    const until = performance.now() + 3000;
    for (let quietFrames = 0; quietFrames < 2 && performance.now() < until; ) {
      const running = document
        .getAnimations()
        .filter((a) => a.effect && a.effect.getTiming().iterations !== Infinity);
      if (running.length) {
        quietFrames = 0;
        const timeout = new Promise((resolve) => setTimeout(resolve, until - performance.now()));
        const ended = Promise.all(running.map((a) => a.finished.catch(() => null)));
        await Promise.race([ended, timeout]);
      } else {
        quietFrames += 1;
      }
      await frame();
    }
  };
  const violations = (results) =>
    results.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target.join(" "), why: n.failureSummary })),
    }));
  const run = async (scope) => {
    await transitionsOver();
    const elements = scope === WHOLE ? [] : [...scope].filter((e) => e.isConnected);
    if (scope !== WHOLE && elements.length === 0) return [];
    if (scope === WHOLE || elements.includes(document.documentElement)) {
      const key = `${innerWidth}x${innerHeight} ${document.documentElement.outerHTML}`;
      if (!answers.has(key)) {
        const results = await axe.run(
          { include: [document], exclude: EXCLUDED }, { resultTypes: ["violations"] }
        );
        answers.set(key, violations(results));
      }
      return answers.get(key);
    }
    const results = await axe.run(
      { include: elements, exclude: EXCLUDED }, { resultTypes: ["violations"] }
    );
    return violations(results);
  };
  // One audit at a time, in the order asked.
  const inTurn = (task) => {
    const done = chain.then(task);
    chain = done.catch(() => null);
    return done;
  };
  const audit = (trigger, scope) =>
    run(scope).then(
      (found) => ({ url: location.href, trigger, violations: found }),
      (error) => ({ url: location.href, trigger, error: String(error), violations: [] })
    );
  const report = (trigger, element) => {
    if (!auditable()) return;
    const queued = pending !== null;
    if (!element || !element.isConnected || pending === WHOLE) pending = WHOLE;
    else (pending = pending || new Set()).add(element);
    if (queued) return;
    inTurn(() => {
      const scope = pending;
      pending = null;
      return audit(trigger, scope);
    }).then((result) => window.axeReport && window.axeReport(result));
  };
  window.axeAudit = (trigger) =>
    auditable()
      ? inTurn(() => audit(trigger, WHOLE))
      : { url: location.href, trigger, violations: [] };
  window.addEventListener("load", () => report("load"));
  document.addEventListener("shown.bs.modal", (event) => report("dialog opened", event.target));
  document.addEventListener("hidden.bs.modal", () => report("dialog closed"));
  document.addEventListener("htmx:afterSettle", (event) => report("htmx swap", event.detail.elt));
})();
"""


def watch_accessibility(context) -> list:
    """Audit every document the context's pages open: the list the results land in."""
    if not AXE.exists():
        raise RuntimeError(f"{AXE} is missing: `make assets` installs axe-core.")
    results: list = []
    context.accessibility_results = results
    context.add_init_script(path=AXE)
    context.add_init_script(script=AXE_HOOK)
    context.expose_binding("axeReport", lambda source, result: results.append(result))
    return results


def audit(page, trigger: str = "end of test") -> dict:
    """axe-core's audit of the page as it is now (after its transitions)."""
    # A document axe-core is not in has nothing of the site's to audit.
    return page.evaluate(
        """(trigger) => typeof window.axeAudit === "function"
            ? window.axeAudit(trigger)
            : { url: location.href, trigger, violations: [] }""",
        trigger,
    )


def violations_message(results: list) -> str:
    """The violations found, readable: page and moments, rule, and each node with the reason
    (a violation seen at several moments of the same page is told once)."""
    seen: dict = {}
    for result in results:
        if result.get("error"):
            seen.setdefault((result["url"], "axe failed: " + result["error"], ()), []).append(
                result["trigger"]
            )
        for violation in result["violations"]:
            nodes = tuple(
                f"    {node['target']}: {' '.join(node['why'].split())}"
                for node in violation["nodes"]
            )
            rule = f"{violation['id']} [{violation['impact']}] {violation['help']}"
            seen.setdefault((result["url"], rule, nodes), []).append(result["trigger"])
    lines = []
    for (url, rule, nodes), triggers in seen.items():
        lines.append(f"{url} ({', '.join(dict.fromkeys(triggers))}): {rule}")
        lines.extend(nodes)
    return "\n".join(lines)


def next_frames(page) -> None:
    """Wait until the browser has laid out and painted twice: a new viewport size has taken
    effect (the site has no transitions on resize), without a fixed sleep."""
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def screenshot(page, name: str) -> None:
    """The page at desktop and at phone width, in the page's language."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.mouse.move(0, 0)  # no hover effect in the pictures
    for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(viewport)
        next_frames(page)
        # A dialog is fixed over the page: the window shows it as the user sees it.
        dialog_open = page.locator("#dialog.show").count() > 0
        page.screenshot(
            path=SCREENSHOTS / f"{page.language}-{label}-{name}.png",
            full_page=not dialog_open,
        )
        results = getattr(page.context, "accessibility_results", None)
        if results is not None:
            results.append(audit(page, f"screenshot {name}, {label}"))
    page.set_viewport_size(DESKTOP)
    next_frames(page)


def log_in(page, username: str, path: str = "/") -> None:
    """Open `path` as the user `username`, already logged in: a session made on the server, its
    cookie given to the browser. The login form itself is walked by the daily path's test; the
    other tests start where their feature is, without loading the form and the dashboard again.
    """
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": page.base_url}]
    )
    page.goto(page.base_url + path)


# What a browser without JavaScript shows inside <noscript>, which a page with it reads as text.
NOSCRIPT_TAG = re.compile(r"</?noscript\b[^>]*>", re.IGNORECASE)


# axe-core's answers for documents already audited by `audit_html` in this process, by viewport
# and markup: the same document at the same size gets the same answer (the CSRF token, which
# changes at every load, is left out of the markup compared).
AUDITED_HTML: dict = {}
CSRF_TOKEN = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*"')


def audit_html(browser, documents, *, viewport: dict, trigger: str = "load") -> list[dict]:
    """axe-core's audits of documents that a page without JavaScript showed (`documents`, each
    its URL and markup): each served again at the same URL and viewport to a page of `browser`
    that runs JavaScript, where axe-core is added (`watch_accessibility`) and the site's CSS
    applies, but no script of the page runs (what is audited is what the user without
    JavaScript saw). One page serves them all, one after the other."""
    results, context, shown = [], None, {}
    no_scripts = {"Content-Security-Policy": "script-src 'none'"}  # axe-core is not the page's

    def serve(route) -> None:
        if route.request.url == shown["url"] and route.request.resource_type == "document":
            route.fulfill(
                body=shown["html"], content_type="text/html; charset=utf-8", headers=no_scripts
            )
        else:
            route.continue_()

    try:
        for url, html in documents:
            html = NOSCRIPT_TAG.sub("", html)
            key = (viewport["width"], viewport["height"], url, CSRF_TOKEN.sub(r"\1\"", html))
            if key not in AUDITED_HTML:
                if context is None:
                    context = browser.new_context(viewport=viewport)
                    watch_accessibility(context)
                    context.route("**/*", serve)
                    page = context.new_page()
                shown.update(url=url, html=html)
                page.goto(url)
                AUDITED_HTML[key] = audit(page, trigger)
            results.append(AUDITED_HTML[key])
    finally:
        if context is not None:
            context.close()
    return results
