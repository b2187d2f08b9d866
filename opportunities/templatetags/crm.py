"""The pages' formatting in the active language (amounts, percentages, dates, status badges)
and the pieces every opportunity page shares: the commands' icons and buttons."""

import functools
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from urllib.parse import quote

from django import template
from django.middleware.csrf import get_token
from django.utils import dateformat, timezone
from django.utils.formats import get_format, number_format
from django.utils.functional import Promise
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy, pgettext_lazy
from django.utils.translation import gettext as _

from opportunities.models import Opportunity
from web.shortcuts import urls_by_number

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


@register.filter
def short_date(value) -> str:
    """A date in the active language's short format, as `date:"SHORT_DATE_FORMAT"` writes it."""
    if not value:
        return ""
    return formats().short_date(value)


def overdue_badge() -> str:
    """The overdue mark: a word on a badge, not a colour alone."""
    return format_html(' <span class="badge overdue-badge">{}</span>', _("Overdue"))


@register.simple_tag
def overdue_mark(opportunity: Opportunity) -> str:
    """The card's overdue mark, when the opportunity is overdue."""
    return overdue_badge() if opportunity.is_overdue else ""


@register.simple_tag
def badge(value: str, label: str) -> str:
    """A status as a badge: the text is always there, the colour only helps."""
    return format_html(
        '<span class="badge status-badge {}">{}</span>', BADGES.get(value, "text-bg-light"), label
    )


# The strokes (SVG path data) of each command's icon, by the command's name.
ICON_PATHS = {
    "update": ("M2 8h10M8.5 4.5 12 8l-3.5 3.5",),
    "activate": ("M5 3.5v9l7-4.5z",),
    "close": ("M3 8.5l3.2 3.2L13 4.8",),
    "create_quote": ("M4 1.8h5.5L12.5 5v9.2H4z", "M8.2 7.5v4M6.2 9.5h4"),
    "delete": ("M2.8 4.2h10.4M6 4.2V2.5h4v1.7M4.2 4.2l.7 9.5h6.2l.7-9.5",),
}


@functools.cache
def icon(name: str) -> str:
    """A command's icon, hidden from screen readers: the button's label says what it does."""
    return format_html(
        '<svg class="icon" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true"'
        ' focusable="false" fill="none" stroke="currentColor" stroke-width="1.6"'
        ' stroke-linecap="round" stroke-linejoin="round">{}</svg>',
        format_html_join("", '<path d="{}"/>', ((path,) for path in ICON_PATHS[name])),
    )


@dataclass(frozen=True)
class Command:
    """A command of the action bar: its button's style and label, and whether the button posts
    the command at once (a form) or opens the command's dialog (a link)."""

    name: str
    style: str
    label: Promise
    posted: bool = False


# In the order the action bar and the rows show them.
COMMANDS = (
    Command("update", "btn-primary", gettext_lazy("Update")),
    Command("activate", "btn-primary", gettext_lazy("Activate first stage"), posted=True),
    Command("close", "btn-outline-primary", pgettext_lazy("verb", "Close")),
    Command("create_quote", "btn-outline-primary", gettext_lazy("Create quote"), posted=True),
    Command("delete", "btn-outline-danger", gettext_lazy("Delete")),
)

# The table's rows and the command buttons are built here with format_html, not in templates:
# through the template engine (the row in the table's template, the buttons an included
# template), 25 rows took 5.1 ms more to render, the buttons alone 2.9 ms (render timed in
# process on the benchmark's data, CPU time), on a list page of about 16 ms.
POSTED_BUTTON = (
    '<form method="post" action="{url}">'
    '<input type="hidden" name="csrfmiddlewaretoken" value="{csrf}">'
    '<input type="hidden" name="version" value="{version}">'
    '<input type="hidden" name="next" value="{next}">'
    '<button type="submit" class="btn {size}{style}"{tooltip}>'
    '{icon}<span class="btn-label">{label}</span></button></form>'
)
DIALOG_BUTTON = (
    '<a class="btn {size}{style}" href="{url}{back}" hx-get="{url}{back}"'
    ' hx-target="#dialog-content"{tooltip}>{icon}<span class="btn-label">{label}</span></a>'
)
# A small button (a row's) shows its icon only: its label is in the tooltip.
TOOLTIP = ' title="{label}" aria-label="{label} {number}"'


class ActionButtons:
    """The command buttons of the opportunities of one page: small ones (a list row's) or the
    card's. What the page's buttons share is escaped once; the rest by format_html."""

    def __init__(self, request, *, small: bool):
        tooltip = TOOLTIP if small else ""
        # Constant markup put together: no value is in these format strings.
        self.formats = {
            True: POSTED_BUTTON.replace("{tooltip}", tooltip),
            False: DIALOG_BUTTON.replace("{tooltip}", tooltip),
        }
        path = request.get_full_path()
        posted = {"csrf": conditional_escape(get_token(request)), "next": conditional_escape(path)}
        dialog = {"back": conditional_escape("?next=" + quote(path, safe="/"))}
        size = conditional_escape("btn-sm " if small else "")
        # The commands' URLs, from their patterns (one `reverse` a page, not one a button).
        self.urls = {
            command.name: urls_by_number(f"opportunities:{command.name}") for command in COMMANDS
        }
        self.values = {
            command.name: {
                **(posted if command.posted else dialog),
                "size": size,
                "style": conditional_escape(command.style),
                "label": conditional_escape(command.label),
                "icon": icon(command.name),
            }
            for command in COMMANDS
        }

    def __call__(self, opportunity: Opportunity, commands) -> str:
        number = conditional_escape(opportunity.number)
        buttons = (
            format_html(
                self.formats[command.posted],
                url=self.urls[command.name](opportunity.number),
                version=opportunity.version,
                number=number,
                **self.values[command.name],
            )
            for command in COMMANDS
            if command.name in commands
        )
        return format_html_join("", "{}", ((button,) for button in buttons))


@register.simple_tag(takes_context=True)
def opportunity_actions(context, opportunity: Opportunity, commands) -> str:
    """The card's action bar: the buttons of the commands `commands` allows."""
    buttons = ActionButtons(context["request"], small=False)(opportunity, commands)
    return format_html('<div class="action-buttons">{}</div>', buttons)


ROW = (
    '<tr id="row-{number}"{row_class}>'
    '<th scope="row"><a href="{detail}">{number}</a></th>'
    '<td class="d-none d-md-table-cell">{closed}</td>'
    '<td class="text-nowrap d-none d-md-table-cell">{creation_date}</td>'
    '<td class="cell-wide">{description}</td>'
    '<td class="cell-wide"><a href="{contact_url}">{contact}</a></td>'
    '<td><a href="{salesperson_url}" title="{salesperson_name}">{salesperson}</a></td>'
    "<td>{status}</td>"
    "<td>{stage}</td>"
    '<td class="text-nowrap">{close_date}{overdue}</td>'
    '<td class="num">{estimated_value}</td>'
    '<td class="num">{current_value}</td>'
    '<td class="text-nowrap">{document}</td>'
    '<td class="row-actions"><div class="action-buttons action-buttons-sm">{actions}</div></td>'
    "</tr>"
)
DOCUMENT = '<a href="{url}" title="{kind}">{number}</a>'


@register.simple_tag(takes_context=True)
def opportunity_rows(context, rows) -> str:
    """The opportunity table's rows (of `web.shortcuts.list_rows`), with their buttons."""
    buttons = ActionButtons(context["request"], small=True)
    closed = {
        True: conditional_escape(_("Yes")),
        False: format_html('<span class="text-body-secondary">{}</span>', _("No")),
    }
    page_formats = formats()
    short_date, money_text = page_formats.short_date, page_formats.money
    badges = {status: badge(status, label) for status, label in Opportunity.Status.choices}
    today = timezone.localdate()
    late = {
        True: (mark_safe(' class="row-overdue"'), overdue_badge()),
        False: ("", ""),
    }

    def cells(opportunity: Opportunity) -> dict:
        close_date, document = opportunity.estimated_close_date, opportunity.document
        overdue = bool(
            close_date and close_date < today and opportunity.status in Opportunity.OPEN_STATUSES
        )
        row_class, overdue_mark = late[overdue]
        return {
            "number": conditional_escape(opportunity.number),
            "row_class": row_class,
            "overdue": overdue_mark,
            "detail": opportunity.detail_url,
            "closed": closed[opportunity.closed],
            "creation_date": short_date(opportunity.creation_date),
            "description": opportunity.description,
            "contact_url": opportunity.contact_url,
            "contact": opportunity.contact.name,
            "salesperson_url": opportunity.salesperson_url,
            "salesperson_name": opportunity.salesperson.name,
            "salesperson": opportunity.salesperson.code,
            "status": badges[opportunity.status],
            "stage": opportunity.current_stage.description if opportunity.current_stage_id else "",
            "close_date": short_date(close_date) if close_date else "",
            "estimated_value": money_text(opportunity.estimated_value),
            "current_value": money_text(opportunity.calcd_current_value),
            "document": format_html(DOCUMENT, **document) if document else "",
            "actions": buttons(opportunity, opportunity.commands),
        }

    return format_html_join("", ROW, (cells(opportunity) for opportunity in rows))
