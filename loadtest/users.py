"""The simulated users and what they count.

A user logs in, then loops until the deadline: opens the opportunity list (random filters,
sort, sometimes the next or last page), opens a card, and often acts on it through the real
dialogs as a browser would: the update dialog (next, skip, previous, jump or update, with the
defaults the page fills in after choosing the action), the close dialog (won or lost, a code of
that outcome) or the "Activate first stage" button. Part of the time the user picks from the
first page of open opportunities, which every user sees, so that two users often act on the
same opportunity and one of them is refused as stale.

Every answer is classified: a success, a refusal (the rule's message on the form or after the
button: expected under contention), a server error (5xx), an unexpected answer (any other
status), or a socket error. A success is remembered per opportunity, for the ledger check.
"""

import random
import re
import threading
import time
from collections import Counter, defaultdict
from urllib.parse import quote, urlencode

from loadtest.browser import Answer, Browser, Page, parse

PASSWORD = "demo"
STALE = "was changed by someone else"
SORTS = [
    "number",
    "creation_date",
    "description",
    "contact",
    "salesperson",
    "status",
    "stage",
    "estimated_close_date",
    "estimated_value",
    "current_value",
]
SALESPEOPLE = ["JO", "AH", "MK", "LD", "PS"]
CARD = re.compile(r"^/opportunities/(OP\d+)/$")


class Stats:
    """Everything the users saw, shared between their threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.statuses: dict[str, Counter] = defaultdict(Counter)
        self.outcomes: dict[str, Counter] = defaultdict(Counter)  # action -> outcome
        self.refusals: Counter = Counter()  # message -> count
        self.successes: Counter = Counter()  # opportunity number -> actions seen to succeed
        self.server_errors: list[str] = []
        self.unexpected: list[str] = []
        self.socket_errors: list[str] = []
        self.timed = False  # counting starts after the logins

    def answer(self, kind: str, path: str, answer: Answer, expected: tuple[int, ...]) -> None:
        with self.lock:
            if kind == "login" or self.timed:
                self.latencies[kind].append(answer.seconds)
                self.statuses[kind][answer.status] += 1
            if answer.status >= 500:
                self.server_errors.append(f"{answer.status} {kind} {path}")
            elif answer.status not in expected:
                self.unexpected.append(f"{answer.status} {kind} {path} -> {answer.location}")

    def socket_error(self, kind: str, path: str, error: Exception) -> None:
        with self.lock:
            self.socket_errors.append(f"{kind} {path}: {type(error).__name__}: {error}")

    def outcome(self, action: str, outcome: str, number: str, message: str = "") -> None:
        with self.lock:
            self.outcomes[action][outcome] += 1
            if outcome == "ok":
                self.successes[number] += 1
            elif outcome == "refused":
                self.refusals["stale" if STALE in message else message[:80]] += 1


class Unexpected(Exception):
    """An answer a browser could not go on from; already counted."""


class User:
    def __init__(self, index: int, login: str, host: str, port: int, stats: Stats, seed: int):
        self.index = index
        self.login_name = login
        self.browser = Browser(host, port)
        self.stats = stats
        self.random = random.Random(seed * 1000 + index)
        self.salesperson = "JO" if login == "jo" else None  # whose opportunities it may change

    # --- requests ---------------------------------------------------------------------------

    def _call(self, kind: str, method: str, path: str, data=None, expected=(200,)) -> Answer:
        try:
            answer = self.browser.request(method, path, data)
        except OSError as error:  # refused, reset, timed out, closed early
            self.stats.socket_error(kind, path, error)
            raise Unexpected from error
        except Exception as error:  # a malformed answer (http.client.HTTPException)
            self.stats.socket_error(kind, path, error)
            raise Unexpected from error
        self.stats.answer(kind, path, answer, expected)
        if answer.status not in expected:
            raise Unexpected
        return answer

    def get(self, kind: str, path: str, expected=(200,)) -> Answer:
        return self._call(kind, "GET", path, expected=expected)

    def post(self, kind: str, path: str, data: dict, expected=(200, 302)) -> Answer:
        return self._call(kind, "POST", path, data, expected=expected)

    # --- the session ------------------------------------------------------------------------

    def log_in(self) -> None:
        page = parse(self.get("login", "/accounts/login/").body)
        form = page.form(action="/accounts/login/")
        data = form.data(username=self.login_name, password=PASSWORD, next="/")
        answer = self.post("login", "/accounts/login/", data, expected=(302,))
        if "sessionid" not in self.browser.cookies:
            self.stats.unexpected.append(f"login {self.login_name}: no session ({answer.status})")
            raise Unexpected

    def run_until(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            try:
                self.one_round()
            except Unexpected:
                time.sleep(0.05)  # counted already; go on like a user who reloads

    # --- one round: list, card, maybe an action ---------------------------------------------

    def one_round(self) -> None:
        rng = self.random
        if rng.random() < 0.4:
            numbers = self.list_page(self.shared_query())
        else:
            numbers = self.list_page(self.random_query())
        if not numbers:
            return
        number = rng.choice(numbers)
        card = parse(self.get("card", f"/opportunities/{number}/").body)
        commands = self.commands(card, number)
        if not commands or rng.random() < 0.2:
            return  # only looked
        choice = rng.choices(
            ["update", "close", "activate"],
            weights=[
                10 if "update" in commands else 0,
                1 if "close" in commands else 0,
                10 if "activate" in commands else 0,
            ],
        )[0]
        if choice == "update":
            self.update(number)
        elif choice == "close":
            self.close(number)
        else:
            self.activate(number, commands["activate"])

    def shared_query(self) -> dict:
        """The first page of open opportunities (of JO for the salesperson): the same for all."""
        query = {"status": "open"}
        if self.salesperson:
            query["salesperson"] = self.salesperson
        return query

    def random_query(self) -> dict:
        rng = self.random
        query = {}
        status = rng.choice(["open", "open", "in_progress", "not_started", "closed", ""])
        if status:
            query["status"] = status
        if self.salesperson and rng.random() < 0.8:
            query["salesperson"] = self.salesperson
        elif rng.random() < 0.3:
            query["salesperson"] = rng.choice(SALESPEOPLE)
        if rng.random() < 0.5:
            query["sort"] = rng.choice(["", "-"]) + rng.choice(SORTS)
        return query

    def list_page(self, query: dict) -> list[str]:
        path = "/opportunities/?" + urlencode(query) if query else "/opportunities/"
        page = parse(self.get("list", path).body)
        rng = self.random
        if rng.random() < 0.25:
            further = page.links_matching(r"^\?.*(after=|page=last)")
            if further:
                page = parse(self.get("list", "/opportunities/" + rng.choice(further)).body)
        return [match[1] for link in page.links if (match := CARD.match(link))]

    def commands(self, card: Page, number: str) -> dict:
        """What the card offers this user: update and close links, the activate form."""
        offered = {}
        if card.links_matching(rf"^/opportunities/{number}/update/"):
            offered["update"] = True
        if card.links_matching(rf"^/opportunities/{number}/close/"):
            offered["close"] = True
        if form := card.form(action=f"/opportunities/{number}/activate/"):
            offered["activate"] = form
        return offered

    # --- the actions ------------------------------------------------------------------------

    def update(self, number: str) -> None:
        path = f"/opportunities/{number}/update/"
        back = quote(f"/opportunities/{number}/", safe="/")
        page = parse(self.get("update dialog", f"{path}?next={back}").body)
        form = page.form(id="update-form")
        offered = form.options.get("action", []) if form else []
        if not offered:
            return  # closed in the meantime: nothing is offered
        action = self.random.choice(offered)
        if action != form.values.get("action"):
            # As the dialog does when the action changes: the defaults of that action, for the
            # version the dialog was opened with.
            refresh = {"action": action, "version": form.values["version"], "next": back}
            page = parse(self.get("update dialog", f"{path}?{urlencode(refresh)}").body)
            form = page.form(id="update-form")
            if form is None or form.values.get("action") != action:
                return
        targets = [value for value in form.options.get("to_stage", []) if value]
        data = form.data()
        if targets:
            data["to_stage"] = self.random.choice(targets)
        if not self.positive(data.get("estimated_value")):
            data["estimated_value"] = self.typed_amount()  # activated at 0: the user types one
        self.submit(f"update {action}", path, data, number)

    def close(self, number: str) -> None:
        path = f"/opportunities/{number}/close/"
        outcome = self.random.choice(["won", "lost"])
        page = parse(self.get("close dialog", f"{path}?outcome={outcome}").body)
        form = page.form(id="close-form")
        codes = [value for value in form.options.get("close_code", []) if value] if form else []
        if not codes:
            return  # already closed
        data = form.data(close_code=self.random.choice(codes))
        if outcome == "won" and "sales_value" in data and not self.positive(data["sales_value"]):
            data["sales_value"] = self.typed_amount()
        self.submit(f"close {outcome}", path, data, number)

    @staticmethod
    def positive(value: str | None) -> bool:
        try:
            return float(value or 0) > 0
        except ValueError:
            return False

    def typed_amount(self) -> str:
        return str(self.random.randrange(1000, 50000, 250))

    def submit(self, action: str, path: str, data: dict, number: str) -> None:
        """A dialog's POST: a redirect is a success, the dialog again is a refusal."""
        answer = self.post("action", path, data)
        if answer.status == 302:
            self.stats.outcome(action, "ok", number)
            return
        errors = [text for kind, text in parse(answer.body).alerts if kind == "danger"]
        if not errors:
            # A field error: the client sent something the form does not take.
            self.stats.unexpected.append(f"{action} {number}: form error without a refusal")
            self.stats.outcome(action, "form error", number)
            return
        self.stats.outcome(action, "refused", number, errors[0])

    def activate(self, number: str, form) -> None:
        """A button: success and refusal both redirect, the message tells which."""
        answer = self.post("action", form.action, form.data(), expected=(302,))
        after = parse(self.get("message page", answer.location).body)
        kinds = {kind for kind, _text in after.alerts}
        if "success" in kinds:
            self.stats.outcome("activate", "ok", number)
        elif "danger" in kinds:
            text = next(text for kind, text in after.alerts if kind == "danger")
            self.stats.outcome("activate", "refused", number, text)
        else:
            self.stats.unexpected.append(f"activate {number}: no message after the redirect")
