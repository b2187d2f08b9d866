"""Formatting for the pages: amounts, percentages and status badges in the active language."""

import functools
from decimal import Decimal, InvalidOperation
from urllib.parse import quote

from django import forms, template
from django.forms.utils import flatatt
from django.middleware.csrf import get_token
from django.utils import dateformat
from django.utils.formats import get_format, number_format
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from opportunities.models import Opportunity

register = template.Library()

BADGES = {
    "not_started": "text-bg-light border",
    "in_progress": "text-bg-primary",
    "won": "text-bg-success",
    "lost": "text-bg-danger",
    "open": "text-bg-info",
    "converted": "text-bg-secondary",
}


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return None


# Date format characters that strftime writes the same way.
STRFTIME = {"d": "%d", "m": "%m", "Y": "%Y", "y": "%y", "H": "%H", "i": "%M"}


class Formats:
    """A language's short date and money formats, worked out once instead of once per value."""

    def __init__(self, language: str):
        short_date = get_format("SHORT_DATE_FORMAT", language)
        if all(char in STRFTIME or not (char.isalpha() or char == "\\") for char in short_date):
            pattern = "".join(STRFTIME.get(char, char.replace("%", "%%")) for char in short_date)
            self.short_date = lambda value: value.strftime(pattern)
        else:  # a format strftime cannot write (escapes, names): Django's own formatter
            self.short_date = functools.partial(_django_date, format_string=short_date)
        self.grouping = get_format("NUMBER_GROUPING", language)
        self.separators = str.maketrans(
            {
                ",": get_format("THOUSAND_SEPARATOR", language),
                ".": get_format("DECIMAL_SEPARATOR", language),
            }
        )

    def money(self, number: Decimal) -> str:
        if self.grouping != 3:
            return number_format(number, decimal_pos=2, force_grouping=True)
        return f"{number:,.2f}".translate(self.separators)


def _django_date(value, format_string: str) -> str:
    return dateformat.format(value, format_string)


@functools.cache
def _formats(language: str) -> Formats:
    return Formats(language)


def formats() -> Formats:
    """The active language's formats."""
    return _formats(get_language())


@register.filter
def money(value) -> str:
    """2 decimals, grouped thousands, the active language's separators."""
    number = _decimal(value)
    if number is None:
        return ""
    return formats().money(number.quantize(Decimal("0.01")))


@register.filter
def pct(value) -> str:
    """A percentage with at most 2 decimals, trailing zeros dropped (32.5, 3, 100)."""
    number = _decimal(value)
    if number is None:
        return ""
    text = format(number.quantize(Decimal("0.01")), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return number_format(Decimal(text), force_grouping=True)


@register.simple_tag
def badge(value: str, label: str) -> str:
    """A status as a badge: the text is always there, the colour only helps."""
    return format_html(
        '<span class="badge status-badge {}">{}</span>', BADGES.get(value, "text-bg-light"), label
    )


def _sort_link(context, key: str) -> tuple[str, str | None]:
    """A sortable column's link (sorting by `key`, or reversing it when it is the current
    order) and the column's sort state, for `aria-sort`."""
    request = context["request"]
    current = context.get("sort_key") or ""
    if current == key:
        new, state = f"-{key}", "ascending"
    elif current == f"-{key}":
        new, state = key, "descending"
    else:
        new, state = key, None
    query = request.GET.copy()
    query["sort"] = new
    for cursor in ("page", "after", "before"):  # a new order starts on its first page
        query.pop(cursor, None)
    return f"?{query.urlencode()}", state


@register.simple_tag
def filter_field(field) -> str:
    """A filter of the list as Bootstrap markup, like crispy's, at a fraction of its cost."""
    widget = field.field.widget
    if isinstance(widget, forms.HiddenInput):
        return field.as_widget()
    css = "form-select" if isinstance(widget, forms.Select) else "form-control"
    if field.errors:
        css += " is-invalid"
    errors = format_html_join(
        "",
        '<div class="invalid-feedback d-block"><strong>{}</strong></div>',
        ((e,) for e in field.errors),
    )
    return format_html(
        '<div id="div_{}" class="mb-3"><label for="{}" class="form-label">{}</label>{}{}</div>',
        field.auto_id,
        field.id_for_label,
        field.label,
        _widget_html(field, css),
        errors,
    )


def _widget_html(field, css: str) -> str:
    """The widget's HTML without the template engine (a select's options are most of a page)."""
    widget = field.field.widget
    attrs = widget.build_attrs(widget.attrs, {"class": css, "id": field.auto_id})
    if isinstance(widget, forms.Select):
        value = field.value()
        chosen = "" if value is None else str(value)
        choices = field.field.choices
        if rows := getattr(field.field, "option_rows", None):
            empty = field.field.empty_label
            choices = ([("", empty)] if empty is not None else []) + rows()
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            ((key, " selected" if str(key) == chosen else "", label) for key, label in choices),
        )
        return format_html(
            '<select name="{}"{}>{}</select>', field.html_name, flatatt(attrs), options
        )
    value = widget.format_value(field.value())
    if value is not None:
        attrs["value"] = value
    return format_html(
        '<input type="{}" name="{}"{}>', widget.input_type, field.html_name, flatatt(attrs)
    )


@register.simple_tag(takes_context=True)
def sort_th(context, key: str, label: str, numeric: bool = False, classes: str = "") -> str:
    """A sortable column header: a link that sorts by `key`, again to reverse it."""
    url, state = _sort_link(context, key)
    classes = f"{classes} num".strip() if numeric else classes
    arrow = {"ascending": " ▲", "descending": " ▼"}.get(state, "")
    return format_html(
        '<th scope="col"{}{}><a class="sort-link{}" href="{}" hx-get="{}" hx-target="#results"'
        ' hx-push-url="true">{}{}</a></th>',
        format_html(' class="{}"', classes) if classes else "",
        format_html(' aria-sort="{}"', state) if state else "",
        " sorted" if state else "",
        url,
        url,
        label,
        format_html('<span aria-hidden="true">{}</span>', arrow) if arrow else "",
    )


ICONS = {
    "update": '<path d="M2 8h10M8.5 4.5 12 8l-3.5 3.5"/>',
    "activate": '<path d="M5 3.5v9l7-4.5z"/>',
    "close": '<path d="M3 8.5l3.2 3.2L13 4.8"/>',
    "create_quote": '<path d="M4 1.8h5.5L12.5 5v9.2H4z"/><path d="M8.2 7.5v4M6.2 9.5h4"/>',
    "delete": '<path d="M2.8 4.2h10.4M6 4.2V2.5h4v1.7M4.2 4.2l.7 9.5h6.2l.7-9.5"/>',
}
ICON = (
    '<svg class="icon" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true"'
    ' focusable="false" fill="none" stroke="currentColor" stroke-width="1.6"'
    ' stroke-linecap="round" stroke-linejoin="round">{}</svg>'
)
# The icons are constant markup, with no data in them: marked safe once, here.
ICON_HTML = {command: mark_safe(ICON.format(paths)) for command, paths in ICONS.items()}
# (command, button style, posted as a form rather than opened as a dialog)
ROW_COMMANDS = (
    ("update", "btn-primary", False),
    ("activate", "btn-primary", True),
    ("close", "btn-outline-primary", False),
    ("create_quote", "btn-outline-primary", True),
    ("delete", "btn-outline-danger", False),
)
# The markup of a row and of its action buttons. Every value goes through format_html, which
# escapes it (text and attributes alike): a code or a name can never become markup.
POSTED_COMMAND = (
    '<form method="post" action="{action}">'
    '<input type="hidden" name="csrfmiddlewaretoken" value="{csrf}">'
    '<input type="hidden" name="version" value="{version}">'
    '<input type="hidden" name="next" value="{next}">'
    '<button type="submit" class="btn btn-sm {style}" title="{label}"'
    ' aria-label="{label} {number}">{icon}<span class="btn-label">{label}</span></button></form>'
)
DIALOG_COMMAND = (
    '<a class="btn btn-sm {style}" href="{href}" hx-get="{href}" hx-target="#dialog-content"'
    ' title="{label}" aria-label="{label} {number}">{icon}'
    '<span class="btn-label">{label}</span></a>'
)
DOCUMENT = '<a href="{}" title="{}">{}</a>'
NOTHING = SafeString("")  # the separator of joined markup
ROW = (
    '<tr id="row-{number}">'
    '<th scope="row"><a href="{detail}">{number}</a></th>'
    '<td class="d-none d-md-table-cell">{closed}</td>'
    '<td class="text-nowrap d-none d-md-table-cell">{creation_date}</td>'
    '<td class="cell-wide">{description}</td>'
    '<td class="cell-wide"><a href="{contact_url}">{contact}</a></td>'
    '<td><a href="{salesperson_url}" title="{salesperson_name}">{salesperson}</a></td>'
    "<td>{status}</td>"
    "<td>{stage}</td>"
    '<td class="text-nowrap">{close_date}</td>'
    '<td class="num">{estimated_value}</td>'
    '<td class="num">{current_value}</td>'
    '<td class="text-nowrap">{document}</td>'
    '<td class="row-actions"><div class="action-buttons action-buttons-sm">{actions}</div></td>'
    "</tr>"
)


@register.simple_tag(takes_context=True)
def opportunity_rows(context, rows) -> str:
    """The list's rows, built in Python: 25 rows of 13 cells through the template engine
    cost more than everything else on the page. The markup is the shared table's."""
    labels = {
        "update": _("Update"),
        "activate": _("Activate first stage"),
        "close": pgettext("verb", "Close"),
        "create_quote": _("Create quote"),
        "delete": _("Delete"),
    }
    request = context["request"]
    # What every row shares is escaped once per page; the rows' own values by format_html.
    csrf = conditional_escape(get_token(request))
    next_path = conditional_escape(request.get_full_path())
    back = conditional_escape("?next=" + quote(request.get_full_path(), safe="/"))
    buttons = [
        (
            command,
            posted,
            {
                "style": conditional_escape(style),
                "label": conditional_escape(labels[command]),
                "icon": ICON_HTML[command],
            },
        )
        for command, style, posted in ROW_COMMANDS
    ]
    closed = {
        True: conditional_escape(_("Yes")),
        False: format_html('<span class="text-body-secondary">{}</span>', _("No")),
    }
    page_formats = formats()
    short_date, money_text = page_formats.short_date, page_formats.money
    badges = {status: badge(status, label) for status, label in Opportunity.Status.choices}

    def actions(opp, number):
        for command, posted, button in buttons:
            if command not in opp.commands:
                continue
            url = opp.urls[command]
            if posted:
                yield format_html(
                    POSTED_COMMAND,
                    action=url,
                    csrf=csrf,
                    version=opp.version,
                    next=next_path,
                    number=number,
                    **button,
                )
            else:
                href = conditional_escape(url) + back  # both escaped: still safe together
                yield format_html(DIALOG_COMMAND, href=href, number=number, **button)

    def cells(opp) -> dict:
        number = conditional_escape(opp.number)
        document = format_html(DOCUMENT, *opp.document) if opp.document else ""
        return {
            "number": number,
            "detail": opp.urls["detail"],
            "closed": closed[opp.closed],
            "creation_date": short_date(opp.creation_date),
            "description": opp.description,
            "contact_url": opp.contact_url,
            "contact": opp.contact.name,
            "salesperson_url": opp.salesperson_url,
            "salesperson_name": opp.salesperson.name,
            "salesperson": opp.salesperson.code,
            "status": badges[opp.status],
            "stage": opp.current_stage.description if opp.current_stage_id else "",
            "close_date": (
                short_date(opp.estimated_close_date) if opp.estimated_close_date else ""
            ),
            "estimated_value": money_text(opp.estimated_value),
            "current_value": money_text(opp.calcd_current_value),
            "document": document,
            "actions": format_html_join(NOTHING, "{}", ((b,) for b in actions(opp, number))),
        }

    return format_html_join(NOTHING, ROW, (cells(opp) for opp in rows))
