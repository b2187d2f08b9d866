"""Date formulas, in Business Central's syntax.

A formula is a sum of terms, each moving a date:

- ``nD``, ``nW``, ``nM``, ``nQ``, ``nY``: n days, weeks, months, quarters or years (n may be
  negative; month steps clamp to the month's end, so 2024-01-31 + ``1M`` is 2024-02-29);
- ``CD``, ``CW``, ``CM``, ``CQ``, ``CY``: to the end of the current day, week (Monday to
  Sunday), month, quarter or year; ``-CW``, ``-CM``... go to its start instead;
- ``WDn``: to the next weekday n (1 is Monday... 7 is Sunday), today when it already is.

Terms are joined with ``+`` or ``-`` (``CM+1D``, ``1M+2W``, ``-1Y``); case and spaces do not
matter. BC's angle brackets (``<1M>``) are accepted. A blank formula leaves the date unchanged.
"""

import calendar
import datetime
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

UNITS = "DWMQY"
_TERM = re.compile(r"([+-]?)(?:(\d+)([DWMQY])|C([DWMQY])|WD([1-7]))")
MAX_AMOUNT = 9999


@dataclass(frozen=True)
class Term:
    """One step of a formula: an amount of a unit, or the current period's end or start."""

    sign: int
    unit: str
    amount: int | None = None  # None: the current period ("C"); for "WD", the weekday
    weekday: int | None = None


def parse(formula: str) -> list[Term]:
    """Split a formula into terms; raise ValidationError (code "invalid_formula") if invalid."""
    text = (formula or "").strip().upper().replace(" ", "")
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
    terms: list[Term] = []
    position = 0
    while position < len(text):
        match = _TERM.match(text, position)
        if match is None or (terms and not match.group(1)):
            raise ValidationError(
                _(
                    "The date formula %(formula)s is not valid at “%(rest)s”. Use terms such "
                    "as 1D, 2W, 1M, 1Q, 1Y, CM or WD1, joined with + or - (for example CM+1D)."
                ),
                code="invalid_formula",
                params={"formula": formula, "rest": text[position:]},
            )
        sign = -1 if match.group(1) == "-" else 1
        if match.group(2) is not None:
            amount = int(match.group(2))
            if amount > MAX_AMOUNT:
                raise ValidationError(
                    _("The date formula %(formula)s moves too far: at most %(max)s per term."),
                    code="invalid_formula",
                    params={"formula": formula, "max": MAX_AMOUNT},
                )
            terms.append(Term(sign=sign, unit=match.group(3), amount=amount))
        elif match.group(4) is not None:
            terms.append(Term(sign=sign, unit=match.group(4)))
        else:
            if sign < 0:
                raise ValidationError(
                    _("The date formula %(formula)s: a weekday (WD) cannot be negative."),
                    code="invalid_formula",
                    params={"formula": formula},
                )
            terms.append(Term(sign=1, unit="WD", weekday=int(match.group(5))))
        position = match.end()
    return terms


def validate(formula: str) -> None:
    """Model-field validator: refuse a formula that does not parse."""
    parse(formula)


def apply(formula: str, date: datetime.date) -> datetime.date:
    """The date `formula` gives from `date`; a blank formula gives `date` itself."""
    try:
        for term in parse(formula):
            date = _apply_term(term, date)
    except (OverflowError, ValueError):
        raise ValidationError(
            _("The date formula %(formula)s gives a date outside the calendar."),
            code="invalid_formula",
            params={"formula": formula},
        ) from None
    return date


def _add_months(date: datetime.date, months: int) -> datetime.date:
    index = date.year * 12 + date.month - 1 + months
    year, month = divmod(index, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return date.replace(year=year, month=month + 1, day=min(date.day, last_day))


def _apply_term(term: Term, date: datetime.date) -> datetime.date:
    if term.unit == "WD":
        return date + datetime.timedelta(days=(term.weekday - 1 - date.weekday()) % 7)
    if term.amount is not None:
        amount = term.sign * term.amount
        match term.unit:
            case "D":
                return date + datetime.timedelta(days=amount)
            case "W":
                return date + datetime.timedelta(weeks=amount)
            case "M":
                return _add_months(date, amount)
            case "Q":
                return _add_months(date, 3 * amount)
            case _:
                return _add_months(date, 12 * amount)
    start, end = _current_period(term.unit, date)
    return end if term.sign > 0 else start


def _current_period(unit: str, date: datetime.date) -> tuple[datetime.date, datetime.date]:
    match unit:
        case "D":
            return date, date
        case "W":
            start = date - datetime.timedelta(days=date.weekday())
            return start, start + datetime.timedelta(days=6)
        case "M":
            first = date.replace(day=1)
            return first, _add_months(first, 1) - datetime.timedelta(days=1)
        case "Q":
            first = date.replace(month=(date.month - 1) // 3 * 3 + 1, day=1)
            return first, _add_months(first, 3) - datetime.timedelta(days=1)
        case _:
            return date.replace(month=1, day=1), date.replace(month=12, day=31)
