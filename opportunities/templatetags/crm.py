"""Formatting for the pages: amounts, percentages and status badges in the active language."""

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.formats import number_format
from django.utils.html import format_html

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


@register.filter
def money(value) -> str:
    """2 decimals, grouped thousands, the active language's separators."""
    number = _decimal(value)
    if number is None:
        return ""
    return number_format(number.quantize(Decimal("0.01")), decimal_pos=2, force_grouping=True)


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


@register.inclusion_tag("includes/_sort_header.html", takes_context=True)
def sort_header(context, key: str, label: str, numeric: bool = False, classes: str = "") -> dict:
    """A sortable column header: a link that sorts by `key`, again to reverse it."""
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
    query.pop("page", None)
    classes = f"{classes} num".strip() if numeric else classes
    return {"url": f"?{query.urlencode()}", "label": label, "state": state, "classes": classes}
