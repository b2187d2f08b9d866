"""Date formulas, in Business Central's syntax.

A formula is a sum of terms, each moving a date:

- ``nD``, ``nW``, ``nM``, ``nQ``, ``nY``: n days, weeks, months, quarters or years (n may be
  negative; month steps clamp to the month's end, so 2024-01-31 + ``1M`` is 2024-02-29);
- ``CD``, ``CW``, ``CM``, ``CQ``, ``CY``: to the end of the current day, week (Monday to
  Sunday), month, quarter or year; ``-CW``, ``-CM``... go to its start instead;
- ``WDn``: to the next weekday n (1 is Monday... 7 is Sunday), today when it already is.

Terms are joined with ``+`` or ``-`` (``CM+1D``, ``1M+2W``, ``-1Y``); case and spaces do not
matter. BC's angle brackets (``<1M>``) are accepted. A blank formula leaves the date unchanged.

A stage's formula gives the default estimated closing date, so `validate` also refuses one whose
date can be before the date of change or after `LAST_DATE`.
"""

import calendar
import datetime
import functools
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

UNITS = "DWMQY"
_TERM = re.compile(r"([+-]?)(?:(\d+)([DWMQY])|C([DWMQY])|WD([1-7]))")
MAX_AMOUNT = 9999

# The dates the product accepts; the services refuse others ("date_out_of_range"). A sale is
# planned months or years ahead, not centuries: a fixed year 2200 leaves every real plan room,
# gives the same answer on every day (a horizon moving with today would refuse tomorrow what a
# stage's formula gave today), and stays so far from the calendar's end (9999-12-31) that a
# valid formula applied to an accepted date can never leave the calendar. Dates before 1900
# are typing mistakes in a CRM, and a formula going back from year 1 would leave it too.
FIRST_DATE = datetime.date(1900, 1, 1)
LAST_DATE = datetime.date(2199, 12, 31)

# The dates a stage's formula is tried on: every day of 28 years, the calendar's cycle of
# weekdays and leap years, so every weekday, day of the month, month length and leap year a
# formula's terms can meet comes up.
REFERENCE_YEARS = range(2000, 2028)


@dataclass(frozen=True)
class Term:
    """One step of a formula: an amount of a unit, or the current period's end or start."""

    sign: int
    unit: str
    amount: int | None = None  # None: the current period ("C"); for "WD", the weekday
    weekday: int | None = None


def normalize(formula: str | None) -> str:
    """The formula as it is stored: upper case, without spaces (``cm + 1d`` is ``CM+1D``)."""
    return (formula or "").strip().upper().replace(" ", "")


def parse(formula: str) -> list[Term]:
    """Split a formula into terms; raise ValidationError (code "invalid_formula") if invalid."""
    text = normalize(formula)
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
    """Model-field validator of a stage's formula: it parses, and from no reference date does it
    give a date before that date (the default estimated closing date would then be refused as
    before the date of change) or after `LAST_DATE` (refused as out of range).

    A formula may have negative parts, and whether one goes back depends on the date, not on its
    sign: ``1M-1D`` and ``-CM+1M`` never go back, ``CM-1D`` does on a month's last day only. So
    a formula with a negative part is tried on every day of `REFERENCE_YEARS` (10,227 dates,
    some tens of milliseconds; answers are cached) rather than judged by its terms' signs,
    which would refuse good formulas along with the bad.
    """
    terms = parse(formula)
    if not terms:
        return
    problem = _first_problem(normalize(formula))
    if problem is None:
        return
    start, result = problem
    if result is not None and result < start:
        raise ValidationError(
            _(
                "The date formula %(formula)s can give a date before the date of change (for "
                "example %(result)s from %(date)s): an estimated closing date cannot be earlier."
            ),
            code="formula_before_date",
            params={"formula": formula, "date": start, "result": result},
        )
    raise ValidationError(
        _("The date formula %(formula)s moves too far ahead: its dates must not pass %(last)s."),
        code="formula_too_far",
        params={"formula": formula, "last": LAST_DATE},
    )


@functools.lru_cache(maxsize=512)
def _first_problem(text: str) -> tuple[datetime.date, datetime.date | None] | None:
    """The first reference date the formula goes back from or too far from, and the date it
    gives there (None outside the calendar); None when there is none.

    No term gives a later date an earlier result (month steps clamp, periods start and end
    later), so neither does the formula: its results are latest from the last reference date
    and earliest from the first, and those two tell whether it leaves the calendar or passes
    `LAST_DATE`. Only a formula with a backward term can give a date before its start; only
    that one is tried on every reference date.
    """
    terms = parse(text)
    dates = _reference_dates()
    backward = any(term.sign < 0 for term in terms)
    for start in (dates[0], dates[-1], *(dates if backward else ())):
        date = start
        try:
            for term in terms:
                date = _apply_term(term, date)
        except (OverflowError, ValueError):
            return start, None
        if date < start or date > LAST_DATE:
            return start, date
    return None


@functools.cache
def _reference_dates() -> tuple[datetime.date, ...]:
    first = datetime.date(REFERENCE_YEARS[0], 1, 1)
    days = (datetime.date(REFERENCE_YEARS[-1], 12, 31) - first).days + 1
    return tuple(first + datetime.timedelta(days=n) for n in range(days))


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
