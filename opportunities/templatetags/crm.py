"""The pages' formatting in the active language (amounts, percentages, dates, status badges)
and the pieces every opportunity page shares: the commands' icons and buttons."""

import functools
import html
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from urllib.parse import quote

from django import template
from django.middleware.csrf import get_token
from django.utils import dateformat, timezone
from django.utils.formats import get_format, number_format
from django.utils.functional import Promise
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
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


def required(field) -> bool:
    """A field the form requires, or one the rules require (`rule_required`: the form leaves it
    to the service, which refuses without it with its own message)."""
    return field.required or getattr(field, "rule_required", False)


@register.filter
def has_required_fields(form) -> bool:
    """Whether a form shows a required field (its legend then says what the mark means)."""
    if not form:
        return False
    return any(
        required(bound.field) and not bound.field.disabled for bound in form.visible_fields()
    )


@register.filter
def refused_fields(form) -> list:
    """The (field, message) of each refused field, in the form's order; the field is None for
    one the form does not show (a tampered or missing hidden value)."""
    if not form or not form.errors:
        return []
    return [(None if bound.is_hidden else bound, error) for bound in form for error in bound.errors]


@register.simple_tag
def cell_field(bound) -> str:
    """A field in a table cell (a quote line's): outlined when refused, with its message under
    it, tied to it for screen readers; `rule_required` and `required` as elsewhere."""
    if not bound.errors:
        return bound.as_widget()
    error_id = f"{bound.auto_id}-error"
    classes = bound.field.widget.attrs.get("class", "")
    widget = bound.as_widget(
        attrs={
            "class": f"{classes} is-invalid".strip(),
            "aria-invalid": "true",
            "aria-describedby": error_id,
        }
    )
    messages = format_html_join(" ", "{}", ((error,) for error in bound.errors))
    return format_html(
        '{}<div class="invalid-feedback d-block" id="{}">{}</div>', widget, error_id, messages
    )


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
    """A command of the action bar: its button's style and label (`menu_label`: in a row's
    Actions menu, "…" when it opens a dialog), and whether the button posts the command at once
    (a form) or opens the command's dialog (a link)."""

    name: str
    style: str
    label: Promise
    menu_label: Promise
    posted: bool = False


# In the order the action bar and the rows' menus show them.
COMMANDS = (
    Command("update", "btn-primary", gettext_lazy("Update"), gettext_lazy("Update…")),
    Command(
        "activate",
        "btn-primary",
        gettext_lazy("Activate first stage"),
        gettext_lazy("Activate first stage"),
        posted=True,
    ),
    Command("close", "btn-outline-primary", pgettext_lazy("verb", "Close"), gettext_lazy("Close…")),
    Command(
        "create_quote",
        "btn-outline-primary",
        gettext_lazy("Create quote"),
        gettext_lazy("Create quote"),
        posted=True,
    ),
    Command("delete", "btn-outline-danger", gettext_lazy("Delete"), gettext_lazy("Delete…")),
)

# The table's rows and the command buttons are built here with format_html, not in templates:
# through the template engine (the row in the table's template, the buttons an included
# template), 25 rows took 5.1 ms more to render, the buttons alone 2.9 ms (render timed in
# process on the benchmark's data, CPU time), on a list page of about 16 ms. The rows' words
# ("Next: <stage>" and the Actions menu, instead of icons) cost about 0.9 ms more for 25 rows
# (same measure on the demo data, 3.1 against 4.0 ms, on a busy machine: a rough figure).
POSTED_BUTTON = (
    '<form method="post" action="{url}">'
    '<input type="hidden" name="csrfmiddlewaretoken" value="{csrf}">'
    '<input type="hidden" name="version" value="{version}">'
    '<input type="hidden" name="next" value="{next}">'
    '<button type="submit" class="btn {style}">'
    '{icon}<span class="btn-label">{label}</span></button></form>'
)
DIALOG_BUTTON = (
    '<a class="btn {style}" href="{url}{back}" data-hx-get="{url}{back}"'
    ' data-hx-target="#dialog-content">{icon}<span class="btn-label">{label}</span></a>'
)
# "Next" opens the Update dialog on the action next, and says where it goes.
NEXT_BUTTON = (
    '<a class="btn {size}btn-primary next-button" href="{url}{back}&amp;action=next"'
    ' data-hx-get="{url}{back}&amp;action=next" data-hx-target="#dialog-content">{icon}'
    '<span class="btn-label">{label}</span>{hidden_number}</a>'
)
# A row's other commands are in its "Actions" menu (a disclosure: Enter or Space opens it,
# Tab goes through its entries), each with its words: no row shows a bare icon.
ROW_MENU = (
    '<details class="row-menu"><summary class="btn btn-sm btn-outline-secondary">'
    '{menu}<span class="visually-hidden"> {number}</span></summary>'
    '<div class="row-menu-items">{items}</div></details>'
)
# The number said to screen readers after a row's button, which its row already shows.
HIDDEN_NUMBER = '<span class="visually-hidden"> {number}</span>'


def as_text(markup: str) -> str:
    """Markup put into a format string as text: its braces doubled, so that format_html reads
    them as themselves."""
    return str(markup).replace("{", "{{").replace("}", "}}")


class ActionButtons:
    """The command buttons of the opportunities of one page: a list row's ("Next" and the
    Actions menu, `small`) or the card's action bar. What the page's buttons share is escaped
    once; the rest by format_html."""

    def __init__(self, request, *, small: bool):
        self.small = small
        path = request.get_full_path()
        posted = {"csrf": conditional_escape(get_token(request)), "next": conditional_escape(path)}
        self.back = conditional_escape("?next=" + quote(path, safe="/"))
        dialog = {"back": self.back}
        # Constant markup put together: no value is in these format strings.
        if small:
            self.formats = {
                True: POSTED_BUTTON.replace('class="btn {style}"', 'class="dropdown-item"'),
                False: DIALOG_BUTTON.replace('class="btn {style}"', 'class="dropdown-item"'),
            }
        else:
            self.formats = {True: POSTED_BUTTON, False: DIALOG_BUTTON}
        # The commands' URLs, from their patterns (one `reverse` a page, not one a button).
        self.urls = {
            command.name: urls_by_number(f"opportunities:{command.name}") for command in COMMANDS
        }
        self.values = {
            command.name: {
                **(posted if command.posted else dialog),
                "style": conditional_escape(command.style),
                "label": conditional_escape(command.menu_label if small else command.label),
                "icon": icon(command.name),
            }
            for command in COMMANDS
        }
        self.next_format = NEXT_BUTTON.replace("{size}", "btn-sm " if small else "").replace(
            "{hidden_number}", HIDDEN_NUMBER if small else ""
        )
        self.menu = conditional_escape(_("Actions"))
        self.after_next = {"style": conditional_escape("btn-outline-primary")}
        self.next_labels = {}  # stage id -> "Next: Proposal", in the page's language
        self.row_formats = {}  # (commands, whether Next is shown) -> the actions' format

    def next_label(self, stage) -> str:
        if stage.pk not in self.next_labels:
            self.next_labels[stage.pk] = _("Next: %(stage)s") % {"stage": stage.description}
        return self.next_labels[stage.pk]

    def next_button(self, opportunity: Opportunity, stage) -> str:
        """ "Next: Proposal": the Update dialog on the action next, to the stage it names."""
        return format_html(
            self.next_format,
            url=self.urls["update"](opportunity.number),
            back=self.back,
            icon=icon("update"),
            label=self.next_label(stage),
            number=opportunity.number,
        )

    def buttons(self, opportunity: Opportunity, commands, *, after_next: bool = False) -> str:
        buttons = (
            format_html(
                self.formats[command.posted],
                url=self.urls[command.name](opportunity.number),
                version=opportunity.version,
                # One primary button: after "Next", Update is a secondary one.
                **(
                    self.values[command.name] | self.after_next
                    if after_next and command.name == "update"
                    else self.values[command.name]
                ),
            )
            for command in COMMANDS
            if command.name in commands
        )
        return format_html_join("", "{}", ((button,) for button in buttons))

    def __call__(self, opportunity: Opportunity, commands, next_stage=None) -> str:
        """The card's buttons of `commands`, after "Next" when `next_stage` is where it goes."""
        first = self.next_button(opportunity, next_stage) if next_stage is not None else ""
        buttons = self.buttons(opportunity, commands, after_next=bool(first))
        return format_html("{}{}", first, buttons)

    def row_actions_format(self, commands, has_next: bool) -> str:
        """A row's actions as one format string: "Next" (when `has_next`) and the Actions menu
        of `commands`, what the page's rows share already in it as text; left for each row are
        {number}, {version}, {next_label} and the commands' {url_NAME}. Made once per set of
        commands a page shows."""
        key = (tuple(commands), has_next)
        if key not in self.row_formats:
            first = ""
            if has_next:
                first = self.next_format.replace("{url}", "{url_update}").replace(
                    "{label}", "{next_label}"
                )
                first = first.replace("{back}", as_text(self.back))
                first = first.replace("{icon}", as_text(icon("update")))
            items = ""
            for command in COMMANDS:
                if command.name not in commands:
                    continue
                item = self.formats[command.posted].replace("{url}", "{url_" + command.name + "}")
                for name, value in self.values[command.name].items():
                    item = item.replace("{" + name + "}", as_text(value))
                items += item
            menu = ""
            if commands:
                menu = ROW_MENU.replace("{menu}", as_text(self.menu)).replace("{items}", items)
            self.row_formats[key] = first + menu
        return self.row_formats[key]

    def row_values(self, opportunity: Opportunity, commands, next_stage) -> dict:
        """What a row's actions format leaves to the row."""
        values = {
            f"url_{name}": self.urls[name](opportunity.number)
            for name in commands
            if name in self.urls
        }
        if next_stage is not None:
            values["url_update"] = self.urls["update"](opportunity.number)
            values["next_label"] = self.next_label(next_stage)
        values["version"] = opportunity.version
        return values


@register.simple_tag(takes_context=True)
def opportunity_actions(context, opportunity: Opportunity, commands) -> str:
    """The card's action bar: "Next" (when the card knows where it goes, `next_stage`) and the
    buttons of the commands `commands` allows."""
    next_stage = getattr(opportunity, "next_stage", None)
    buttons = ActionButtons(context["request"], small=False)(opportunity, commands, next_stage)
    return format_html('<div class="action-buttons">{}</div>', buttons)


# Each cell says what it is (`data-label`, the column's heading): under 576 px a row is a card
# of its own, the headings hidden, each value with its caption (static/css/crm.css).
ROW = (
    '<tr id="row-{number}"{row_class}>'
    '<th scope="row" class="cell-number"><a href="{detail}">{number}</a></th>'
    '<td class="cell-closed d-none d-md-table-cell">{closed}</td>'
    '<td class="cell-created text-nowrap d-none d-md-table-cell">{creation_date}</td>'
    '<td class="cell-wide cell-description">{description}</td>'
    '<td class="cell-wide" data-label="{label_contact}"><a href="{contact_url}">{contact}</a></td>'
    '<td data-label="{label_salesperson}"><a href="{salesperson_url}"'
    ' title="{salesperson_name}">{salesperson}</a></td>'
    '<td class="cell-status">{status}</td>'
    '<td data-label="{label_stage}">{stage}</td>'
    '<td data-label="{label_close_date}">'
    '<span class="text-nowrap">{close_date}</span>{overdue}</td>'
    '<td class="num" data-label="{label_estimated_value}">{estimated_value}</td>'
    '<td class="num" data-label="{label_current_value}">{current_value}</td>'
    '<td class="text-nowrap" data-label="{label_document}">{document}</td>'
    '<td class="row-actions"><div class="action-buttons action-buttons-sm">{actions}</div></td>'
    "</tr>"
)
# The captions, as the table's headings say them (templates/includes/_opportunity_table.html).
ROW_LABELS = {
    "contact": gettext_lazy("Contact"),
    "salesperson": gettext_lazy("Salesperson"),
    "stage": gettext_lazy("Current stage"),
    "close_date": gettext_lazy("Estimated closing date"),
    "estimated_value": gettext_lazy("Estimated value"),
    "current_value": gettext_lazy("Current value"),
    "document": gettext_lazy("Sales document"),
}


def row_format() -> str:
    """The row's format string with the active language's captions put in (escaped, and their
    braces doubled so that format_html reads them as text)."""
    row = ROW
    for key, label in ROW_LABELS.items():
        text = str(conditional_escape(label)).replace("{", "{{").replace("}", "}}")
        row = row.replace("{label_" + key + "}", text)
    return row


DOCUMENT = '<a href="{url}" title="{kind}">{number}</a>'


def row_html(format_string: str, **values) -> SafeString:
    """format_html for the rows' many values: the same escaping (markup kept, anything else
    escaped as text), without Django's lazy-aware `escape` around each value. 25 rows, some
    five hundred values: 1.7 to 2.2 ms less CPU per list page than format_html (the whole
    request in process, 200 alternating with format_html, in-progress rows at 100,000)."""
    return SafeString(
        format_string.format(
            **{
                name: value.__html__() if hasattr(value, "__html__") else html.escape(str(value))
                for name, value in values.items()
            }
        )
    )


# The opportunity table's columns but its last (Actions): sort key (None: not sortable),
# caption, classes of the heading cell.
COLUMNS = (
    ("number", gettext_lazy("No."), ""),
    (None, gettext_lazy("Closed"), "d-none d-md-table-cell"),
    ("creation_date", gettext_lazy("Creation date"), "d-none d-md-table-cell"),
    ("description", gettext_lazy("Description"), ""),
    ("contact", gettext_lazy("Contact"), ""),
    ("salesperson", gettext_lazy("Salesperson"), ""),
    ("status", gettext_lazy("Status"), ""),
    ("stage", gettext_lazy("Current stage"), ""),
    ("estimated_close_date", gettext_lazy("Estimated closing date"), ""),
    ("estimated_value", gettext_lazy("Estimated value"), "num"),
    ("current_value", gettext_lazy("Current value"), "num"),
    (None, gettext_lazy("Sales document"), ""),
)
HEADING = '\n        <th scope="col"{classes}>{label}</th>\n'
SORT_HEADING = (
    '\n        <th scope="col"{classes}{aria_sort}>\n          \n'
    '          <a class="sort-link{sorted}" href="{url}" data-hx-get="{url}"'
    ' data-hx-target="#results" data-hx-push-url="true">{label}{arrow}</a>\n        </th>\n'
)
ARROWS = {
    "ascending": mark_safe('<span aria-hidden="true"> \u25b2</span>'),
    "descending": mark_safe('<span aria-hidden="true"> \u25bc</span>'),
}


@register.simple_tag(takes_context=True)
def opportunity_headings(context, sortable: bool, sort_key: str = "") -> str:
    """The opportunity table's column headings; when `sortable`, each sort key's heading links
    to the list sorted by it (descending when it is the sort already), the page's filters kept
    and the page's position dropped. The same markup the template's per-column partial made
    (a `with`, a `querystring` and its tests per column): 1.5 to 0.5 ms per list page (CPU
    in process, median of 40 requests, the benchmark's list at 100,000)."""
    query = context["request"].GET.copy() if sortable else None
    if query is not None:
        for name in ("page", "after", "before"):
            query.pop(name, None)
    cells = []
    for key, label, classes in COLUMNS:
        class_attr = format_html(' class="{}"', classes) if classes else ""
        if query is None or key is None:
            cells.append(format_html(HEADING, classes=class_attr, label=label))
            continue
        descending = f"-{key}"
        order = {key: "ascending", descending: "descending"}.get(sort_key)
        query["sort"] = descending if sort_key == key else key
        cells.append(
            format_html(
                SORT_HEADING,
                classes=class_attr,
                aria_sort=format_html(' aria-sort="{}"', order) if order else "",
                sorted=" sorted" if order else "",
                url=f"?{query.urlencode()}",
                label=label,
                arrow=ARROWS.get(order, ""),
            )
        )
    return mark_safe("\n      ".join(cells))


@register.simple_tag(takes_context=True)
def opportunity_rows(context, rows) -> str:
    """The opportunity table's rows (of `web.shortcuts.list_rows`), with their buttons.

    Each row is one `row_html` call: its markup (the row, its Next button and Actions menu,
    with the page's captions, labels, icons, CSRF token and back link already in it as text) is
    put together once for each set of commands the page's rows show, and only the row's own
    values are escaped and put in. Built instead with a format_html call for each button and
    for the menu (the card's `ActionButtons.buttons` in `ROW_MENU`, the same markup to the
    byte), a manager's list page of 25 rows, each with Next and its menu, took 22.9 to 23.3 ms
    of CPU against 21.1 to 21.8 ms (the whole request in process, fastest of 400, three runs
    alternating): this saves some 1.6 ms a page.
    """
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
    row = row_format()
    row_formats = {}

    def row_of(opportunity: Opportunity) -> str:
        close_date, document = opportunity.estimated_close_date, opportunity.document
        overdue = bool(
            close_date and close_date < today and opportunity.status in Opportunity.OPEN_STATUSES
        )
        row_class, overdue_mark = late[overdue]
        commands = opportunity.commands
        next_stage = getattr(opportunity, "next_stage", None)
        key = (tuple(commands), next_stage is not None)
        if key not in row_formats:
            row_formats[key] = row.replace("{actions}", buttons.row_actions_format(*key))
        return row_html(
            row_formats[key],
            number=opportunity.number,
            row_class=row_class,
            overdue=overdue_mark,
            detail=opportunity.detail_url,
            closed=closed[opportunity.closed],
            creation_date=short_date(opportunity.creation_date),
            description=opportunity.description,
            contact_url=opportunity.contact_url,
            contact=opportunity.contact.name,
            salesperson_url=opportunity.salesperson_url,
            salesperson_name=opportunity.salesperson.name,
            salesperson=opportunity.salesperson.code,
            status=badges[opportunity.status],
            stage=opportunity.current_stage.description if opportunity.current_stage_id else "",
            close_date=short_date(close_date) if close_date else "",
            estimated_value=money_text(opportunity.estimated_value),
            current_value=money_text(opportunity.calcd_current_value),
            document=row_html(DOCUMENT, **document) if document else "",
            **buttons.row_values(opportunity, commands, next_stage),
        )

    return SafeString("".join(row_of(opportunity) for opportunity in rows))
