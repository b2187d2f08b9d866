"""The board's cards, built from constant templates rather than by the template engine: a
board shows dozens of cards, each with its menu, and the engine's cost per card would be most
of the page's (as for the opportunity list's rows)."""

from html import escape
from urllib.parse import quote

from django import template
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils import formats
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

register = template.Library()


def _url(name: str):
    """`reverse` once per page: the pattern with the number put in, percent-encoded."""
    pattern = reverse(name, args=["__number__"])
    return lambda number: pattern.replace("__number__", quote(str(number), safe=""))


def fmt(template: str, /, **values) -> SafeString:
    """`format_html` for this module's constant templates, at a fraction of its cost: values
    that are not markup already are escaped (quotes too), once."""
    return SafeString(
        template.format(
            **{
                key: value if isinstance(value, SafeString) else escape(str(value))
                for key, value in values.items()
            }
        )
    )


def join(template: str, rows) -> SafeString:
    return SafeString("".join(fmt(template, **row) for row in rows))


@register.filter
def amount(value) -> str:
    if value is None:
        return ""
    return formats.number_format(value, 2, force_grouping=True)


CARD = (
    '<li class="board-card{locked}{overdue_class}" id="card-{number}" data-number="{number}"'
    ' data-version="{version}" data-close-url="{close_url}">'
    '<article class="card-body" aria-labelledby="card-{number}-title">'
    '<h3 class="card-heading" id="card-{number}-title"><a href="{detail}">{number}</a>'
    ' <span class="card-description">{description}</span></h3>'
    '<p class="card-people"><a href="{contact_url}">{contact}</a>'
    ' · <span title="{salesperson_name}">{salesperson}</span></p>'
    '<dl class="card-figures">'
    "<div><dt>{estimated_label}</dt><dd>{estimated}</dd></div>"
    "<div><dt>{current_label}</dt><dd>{current}</dd></div>"
    '<div><dt>{closing_label}</dt><dd class="card-closing">{closing}{overdue}</dd></div>'
    "{days}"
    "</dl>{menu}</article></li>"
)
MENU = (
    '<details class="card-menu"><summary class="btn btn-sm btn-outline-secondary">{label}'
    '<span class="visually-hidden"> {number}</span></summary>'
    '<div class="card-menu-items">{moves}{links}</div></details>'
)
MOVES = (
    '<form method="post" action="{move_url}" data-hx-post="{move_url}"'
    ' data-hx-target="#board-columns" data-hx-swap="outerHTML" class="card-moves">'
    '<input type="hidden" name="csrfmiddlewaretoken" value="{csrf}">'
    '<input type="hidden" name="number" value="{number}">'
    '<input type="hidden" name="version" value="{version}">'
    '<input type="hidden" name="query" value="{query}">{buttons}</form>'
)
MOVE_BUTTON = (
    '<button type="submit" name="target" value="{target}" class="dropdown-item">{label}</button>'
)
DIALOG_LINK = (
    '<a class="dropdown-item" href="{href}" data-hx-get="{href}"'
    ' data-hx-target="#dialog-content">{label}</a>'
)
POSTED = (
    '<form method="post" action="{url}">'
    '<input type="hidden" name="csrfmiddlewaretoken" value="{csrf}">'
    '<input type="hidden" name="version" value="{version}">'
    '<input type="hidden" name="next" value="{next}">'
    '<button type="submit" class="dropdown-item">{label}</button></form>'
)


@register.simple_tag(takes_context=True)
def board_cards(context, cards) -> str:
    """The cards of a column, each with its menu: its moves, and the commands of a list row."""
    request = context["request"]
    csrf = get_token(request)
    here = context["here"]
    back = "next=" + quote(here, safe="/")
    query = here.partition("?")[2]
    move_url = reverse("pipeline:move", args=[context["cycle"].code])
    urls = {
        name: _url(f"opportunities:{name}")
        for name in ("detail", "update", "close", "activate", "create_quote")
    }
    contact_url = _url("contacts:contact_detail")
    short_date = formats.get_format("SHORT_DATE_FORMAT")
    labels = {
        "estimated": _("Estimated value"),
        "current": _("Current value"),
        "closing": _("Estimated closing date"),
        "on_stage": _("On this stage"),
        "overdue": _("Overdue"),
        "menu": _("Actions"),
        "update": _("Update…"),
        "won": _("Close as won…"),
        "lost": _("Close as lost…"),
        "activate": _("Activate first stage"),
        "create_quote": _("Create quote"),
    }

    next_label, move_label = _("Next: %(stage)s"), pgettext("board", "Move to %(stage)s")

    def menu(card) -> str:
        buttons = join(
            MOVE_BUTTON,
            (
                {
                    "target": move.target,
                    "label": (next_label if move.next else move_label) % {"stage": move.label},
                }
                for move in card.moves
            ),
        )
        moves = ""
        if card.moves:
            moves = fmt(
                MOVES,
                move_url=move_url,
                csrf=csrf,
                number=card.number,
                version=card.version,
                query=query,
                buttons=buttons,
            )
        links = []
        commands = card.commands
        if "update" in commands:
            href = f"{urls['update'](card.number)}?{back}"
            links.append(fmt(DIALOG_LINK, href=href, label=labels["update"]))
        if "activate" in commands:
            links.append(
                fmt(
                    POSTED,
                    url=urls["activate"](card.number),
                    csrf=csrf,
                    version=card.version,
                    next=here,
                    label=labels["activate"],
                )
            )
        if "close" in commands:
            for outcome in ("won", "lost"):
                href = f"{urls['close'](card.number)}?outcome={outcome}&{back}"
                links.append(fmt(DIALOG_LINK, href=href, label=labels[outcome]))
        if "create_quote" in commands:
            links.append(
                fmt(
                    POSTED,
                    url=urls["create_quote"](card.number),
                    csrf=csrf,
                    version=card.version,
                    next=here,
                    label=labels["create_quote"],
                )
            )
        if not moves and not links:
            return ""
        return fmt(
            MENU,
            label=labels["menu"],
            number=card.number,
            moves=moves,
            links=SafeString("".join(links)),
        )

    def cells(card) -> dict:
        closing = card.estimated_close_date
        days = card.days_on_stage
        return {
            "locked": "" if card.draggable else " locked",
            "overdue_class": " overdue" if card.overdue else "",
            "number": card.number,
            "version": card.version,
            "close_url": urls["close"](card.number),
            "detail": urls["detail"](card.number),
            "description": card.description,
            "contact_url": contact_url(card.contact.number),
            "contact": card.contact.name,
            "salesperson_name": card.salesperson.name,
            "salesperson": card.salesperson.code,
            "estimated_label": labels["estimated"],
            "estimated": amount(card.estimated_value),
            "current_label": labels["current"],
            "current": amount(card.calcd_current_value),
            "closing_label": labels["closing"],
            "closing": formats.date_format(closing, short_date) if closing else "\u2013",
            "overdue": fmt(
                ' <span class="badge text-bg-warning">{label}</span>', label=labels["overdue"]
            )
            if card.overdue
            else "",
            "days": fmt(
                "<div><dt>{label}</dt><dd>{days}</dd></div>",
                label=labels["on_stage"],
                days=ngettext("%(days)s day", "%(days)s days", days) % {"days": days},
            )
            if days is not None
            else "",
            "menu": menu(card),
        }

    return join(CARD, (cells(card) for card in cards))
