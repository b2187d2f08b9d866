"""Just enough of a browser for the load test: cookies, forms and links, over plain HTTP.

Each request opens its own connection (gunicorn's sync workers close it after every
response) and does not follow redirects, so every answer is seen and timed on its own.
"""

import http.client
import re
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from urllib.parse import urlencode

TIMEOUT_SECONDS = 30


@dataclass
class Answer:
    status: int
    body: str
    location: str
    seconds: float


@dataclass
class Form:
    """A form as a browser would submit it: the values of its successful controls."""

    action: str
    attrs: dict
    values: dict = field(default_factory=dict)
    options: dict = field(default_factory=dict)  # select name -> option values

    def data(self, **changes) -> dict:
        return {**self.values, **changes}


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.links: list[str] = []
        self.alerts: list[tuple[str, str]] = []  # (kind: success / danger..., text)
        self._form: Form | None = None
        self._select: str | None = None
        self._select_disabled = False
        self._first_option: str | None = None
        self._alert: list | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "div" and "alert" in (attrs.get("class") or "").split():
            kind = next(
                (
                    c.removeprefix("alert-")
                    for c in attrs["class"].split()
                    if c.startswith("alert-")
                ),
                "",
            )
            self._alert = [kind, ""]
        elif tag == "form":
            self._form = Form(action=attrs.get("action") or "", attrs=attrs)
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input":
            self._input(attrs)
        elif tag == "select" and attrs.get("name"):
            self._select = attrs["name"]
            self._select_disabled = "disabled" in attrs
            self._first_option = None
            self._form.options[self._select] = []
        elif tag == "option" and self._select is not None:
            value = attrs.get("value", "")
            self._form.options[self._select].append(value)
            if self._first_option is None:
                self._first_option = value
            if "selected" in attrs and not self._select_disabled:
                self._form.values[self._select] = value

    def _input(self, attrs):
        name, kind = attrs.get("name"), (attrs.get("type") or "text").lower()
        if not name or "disabled" in attrs or kind in ("submit", "button", "image", "reset"):
            return
        if kind in ("checkbox", "radio") and "checked" not in attrs:
            return
        self._form.values[name] = attrs.get("value", "on" if kind == "checkbox" else "")

    def handle_endtag(self, tag):
        if tag == "select" and self._select is not None:
            if self._select not in self._form.values and not self._select_disabled:
                self._form.values[self._select] = self._first_option or ""
            self._select = None
        elif tag == "form":
            self._form = None
        elif tag == "div" and self._alert is not None:
            self.alerts.append((self._alert[0], " ".join(self._alert[1].split())))
            self._alert = None

    def handle_data(self, data):
        if self._alert is not None:
            self._alert[1] += data


@dataclass
class Page:
    forms: list[Form]
    links: list[str]
    alerts: list[tuple[str, str]]

    def form(self, **attrs) -> Form | None:
        """The first form whose attributes include these (`action` matches by prefix)."""
        for form in self.forms:
            if all(
                form.action.startswith(value) if name == "action" else form.attrs.get(name) == value
                for name, value in attrs.items()
            ):
                return form
        return None

    def links_matching(self, pattern: str) -> list[str]:
        return [link for link in self.links if re.search(pattern, link)]


def parse(body: str) -> Page:
    parser = _Forms()
    parser.feed(body)
    parser.close()
    return Page(parser.forms, parser.links, parser.alerts)


class Browser:
    """One user's cookies against one server."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, data: dict | None = None) -> Answer:
        headers = {"Host": f"{self.host}:{self.port}", "User-Agent": "crm-loadtest"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        connection = http.client.HTTPConnection(self.host, self.port, timeout=TIMEOUT_SECONDS)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read().decode("utf-8", "replace")
        finally:
            connection.close()
        seconds = time.perf_counter() - started
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return Answer(response.status, content, response.headers.get("Location", ""), seconds)
