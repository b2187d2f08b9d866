"""The dashboard's figures as charts: each a title, a description, bars drawn in SVG on the
server and the same figures as a table, every one linking to the opportunity list with the
filters that select its opportunities.

A dashboard shows about a hundred bars, each drawn and listed: their markup is written here
from constant templates (escaped as the template engine would, as the board's cards are), and
their numbers with the language's separators worked out once, not once per value.
"""

import datetime
import functools
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils import formats
from django.utils.safestring import SafeString
from django.utils.text import Truncator
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from contacts.models import Salesperson
from opportunities.models import CloseOpportunityCode, Opportunity
from pipeline.figures import Figures, Sums
from pipeline.forms import months_before
from pipeline.templatetags.pipeline import fmt
from salescycles.models import SalesCycle, SalesCycleStage

FORECAST_MONTHS = 12
# The drawing's own units (the SVG scales to its box).
WIDTH = 640
LABEL_WIDTH = 170
BAR_HEIGHT = 22
GAP = 8
COLUMN_AREA = 200
NOTHING = "\u2013"  # an en dash: no figure
CENT = Decimal("0.01")
ZERO = Decimal(0)  # what a zero of any sign or exponent is written as


@dataclass
class Bar:
    label: str
    value: Decimal  # what the bar's length shows
    text: str  # the value as the bar's caption says it
    url: str
    cells: list = field(default_factory=list)  # the table row, after the label
    style: str = ""  # a class: "won", "lost", "overdue", "current"
    short_label: str = ""  # under a column, where the label is long
    # Geometry, filled in by the chart.
    x: float = 0
    y: float = 0
    width: float = 0
    height: float = 0
    label_x: float = 0
    label_y: float = 0
    text_x: float = 0
    text_y: float = 0


@dataclass
class Chart:
    slug: str
    title: str
    description: str
    headers: list[str]
    bars: list[Bar]
    vertical: bool = False
    numeric: list[bool] = field(default_factory=list)
    empty: str = ""
    height: float = 0
    width: float = WIDTH
    # The bars as SVG and as the table's rows, written by `layout`.
    drawing: str = ""
    rows: str = ""

    @property
    def columns(self) -> list[tuple[str, bool]]:
        return list(zip(self.headers, self.numeric, strict=True))

    def layout(self) -> "Chart":
        for bar in self.bars:
            bar.cells = [
                (count(cell) if isinstance(cell, int) else cell, numeric)
                for cell, numeric in zip(bar.cells, self.numeric[1:], strict=True)
            ]
        top = max((bar.value for bar in self.bars), default=Decimal(0))
        if self.vertical:
            left, bottom = 40, 70
            step = (WIDTH - left - 10) / max(len(self.bars), 1)
            self.height = 20 + COLUMN_AREA + bottom
            for index, bar in enumerate(self.bars):
                length = float(bar.value / top) * COLUMN_AREA if top > 0 else 0
                bar.width = step * 0.7
                bar.x = left + index * step + step * 0.15
                bar.height = max(length, 0)
                bar.y = 20 + COLUMN_AREA - bar.height
                bar.label_x = bar.x + bar.width / 2
                bar.label_y = 20 + COLUMN_AREA + 14
                bar.text_x = bar.label_x
                bar.text_y = bar.y - 5
        else:
            area = WIDTH - LABEL_WIDTH - 150
            self.height = len(self.bars) * (BAR_HEIGHT + GAP) + GAP
            for index, bar in enumerate(self.bars):
                bar.x = LABEL_WIDTH
                bar.y = GAP + index * (BAR_HEIGHT + GAP)
                bar.height = BAR_HEIGHT
                bar.width = float(bar.value / top) * area if top > 0 else 0
                bar.label_x = LABEL_WIDTH - 8
                bar.label_y = bar.y + BAR_HEIGHT * 0.7
                bar.text_x = LABEL_WIDTH + bar.width + 6
                bar.text_y = bar.label_y
        # The drawing's numbers as SVG reads them (a decimal point whatever the language).
        for bar in self.bars:
            for name in ("x", "y", "width", "height", "label_x", "label_y", "text_x", "text_y"):
                setattr(bar, name, f"{getattr(bar, name):.1f}")
        self.height = f"{self.height:.0f}"
        self.drawing = SafeString("".join(self._drawn(bar) for bar in self.bars))
        # One template for the chart's rows: its cells' places, numeric or not.
        row = ROW.replace(
            "{cells}",
            "".join(
                (NUMERIC_CELL if numeric else CELL).replace("{cell}", f"{{cell{index}}}")
                for index, numeric in enumerate(self.numeric[1:])
            ),
        )
        self.rows = SafeString("".join(self._row(row, bar) for bar in self.bars))
        return self

    def _drawn(self, bar: Bar) -> str:
        values = {
            "url": bar.url,
            "title": f"{bar.label}: {bar.text}",
            "style": f" bar-{bar.style}" if bar.style else "",
            "x": bar.x,
            "y": bar.y,
            "width": bar.width,
            "height": bar.height,
            "label_x": bar.label_x,
            "label_y": bar.label_y,
        }
        if self.vertical:
            return fmt(COLUMN, label=bar.short_label or bar.label, **values)
        return fmt(
            BAR,
            label=Truncator(bar.label).chars(24),
            text=bar.text,
            text_x=bar.text_x,
            text_y=bar.text_y,
            **values,
        )

    def _row(self, row: str, bar: Bar) -> str:
        cells = {f"cell{index}": cell for index, (cell, _numeric) in enumerate(bar.cells)}
        return fmt(row, url=bar.url, label=bar.label, **cells)


# A bar, a column (its label turned under it), a table row and its cells.
BAR = (
    '<a href="{url}" class="chart-link"><title>{title}</title>'
    '<rect class="bar{style}" x="{x}" y="{y}" width="{width}" height="{height}"></rect>'
    '<text class="axis-label" x="{label_x}" y="{label_y}" text-anchor="end">{label}</text>'
    '<text class="value-label" x="{text_x}" y="{text_y}">{text}</text></a>'
)
COLUMN = (
    '<a href="{url}" class="chart-link"><title>{title}</title>'
    '<rect class="bar{style}" x="{x}" y="{y}" width="{width}" height="{height}"></rect>'
    '<text class="axis-label" x="{label_x}" y="{label_y}" text-anchor="end"'
    ' transform="rotate(-40 {label_x} {label_y})">{label}</text></a>'
)
ROW = '<tr><th scope="row"><a href="{url}">{label}</a></th>{cells}</tr>'
CELL = "<td>{cell}</td>"
NUMERIC_CELL = '<td class="num">{cell}</td>'


class Numbers:
    """A language's number formats worked out once: what `formats.number_format` writes, at a
    fraction of its cost per value (Django's own where the grouping is not by thousands)."""

    def __init__(self, language: str):
        self.by_thousands = formats.get_format("NUMBER_GROUPING", language) == 3
        self.separators = str.maketrans(
            {
                ",": formats.get_format("THOUSAND_SEPARATOR", language),
                ".": formats.get_format("DECIMAL_SEPARATOR", language),
            }
        )
        # `number_format` without force_grouping groups as the settings say.
        self.grouping = "," if settings.USE_THOUSAND_SEPARATOR else ""

    def money(self, value: Decimal) -> str:
        value = Decimal(value).quantize(CENT)
        if not self.by_thousands:
            return formats.number_format(value, 2, force_grouping=True)
        return f"{(value or ZERO):,.2f}".translate(self.separators)

    def count(self, value: int) -> str:
        if not self.by_thousands:
            return formats.number_format(value, force_grouping=True)
        return f"{value:,}".translate(self.separators)

    def tenths(self, value: Decimal) -> str:
        """A figure with one decimal (already rounded to it)."""
        if not self.by_thousands:
            return formats.number_format(value, 1)
        return f"{(value or ZERO):{self.grouping}.1f}".translate(self.separators)


@functools.cache
def _numbers(language: str) -> Numbers:
    return Numbers(language)


def numbers() -> Numbers:
    return _numbers(get_language())


def money(value: Decimal) -> str:
    """An amount as the pages write it: 2 decimals, thousands grouped, the language's marks."""
    return numbers().money(value)


def count(value: int) -> str:
    return numbers().count(value)


def month_of(key: int) -> datetime.date:
    return datetime.date(key // 100, key % 100, 1)


def month_end(first: datetime.date) -> datetime.date:
    following = months_before(first, -1)
    return following - datetime.timedelta(days=1)


def month_label(first: datetime.date) -> str:
    return _month_label(get_language(), first)


def short_month(first: datetime.date) -> str:
    return _short_month(get_language(), first)


@functools.lru_cache(maxsize=512)
def _month_label(_language: str, first: datetime.date) -> str:
    return formats.date_format(first, "YEAR_MONTH_FORMAT")


@functools.lru_cache(maxsize=512)
def _short_month(_language: str, first: datetime.date) -> str:
    return formats.date_format(first, "M Y")


def percent(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


def percent_text(value: Decimal | None) -> str:
    return NOTHING if value is None else f"{numbers().tenths(value)} %"


def days_text(value: Decimal | None) -> str:
    return NOTHING if value is None else numbers().tenths(value)


class Links:
    """URLs of the opportunity list with the dashboard's filters and a figure's own."""

    def __init__(self, filters: dict[str, str], cycle: SalesCycle):
        # The filters' part encoded once, each figure's own part per link.
        self.base = (
            f"{reverse('opportunities:list')}?{urlencode({**filters, 'sales_cycle': cycle.code})}"
        )

    def __call__(self, **more) -> str:
        return f"{self.base}&{urlencode({k: v for k, v in more.items() if v is not None})}"


def charts(
    figures: Figures,
    *,
    cycle: SalesCycle,
    stages: list[SalesCycleStage],
    filters: dict[str, str],
    period: tuple[datetime.date, datetime.date],
    today: datetime.date,
) -> list[Chart]:
    link = Links(filters, cycle)
    start, end = period
    closed_range = {"closing_from": start.isoformat(), "closing_to": month_end(end).isoformat()}
    codes = _codes(figures)
    return [
        funnel(figures, stages, link),
        forecast(figures, link, today),
        won_by_month(figures, link, start, end),
        win_rate(figures, link, closed_range),
        by_close_code(figures, link, closed_range, codes),
        lost_by_code(figures, link, closed_range, codes),
        time_in_stage(figures, stages, link),
    ]


def funnel(figures: Figures, stages, link) -> Chart:
    bars = []
    for stage in [None, *stages]:
        key = stage.pk if stage else 0
        sums = figures.stages.get(key, Sums())
        url = (
            link(current_stage=stage.pk, status="open")
            if stage
            else link(status=Opportunity.Status.NOT_STARTED)
        )
        bars.append(
            Bar(
                label=stage.description if stage else _("Not started"),
                value=sums.estimated if stage else Decimal(sums.count),
                text=money(sums.estimated) if stage else str(sums.count),
                url=url,
                cells=[sums.count, money(sums.estimated), money(sums.current)],
            )
        )
    return Chart(
        slug="funnel",
        title=_("Pipeline by stage"),
        description=_(
            "Open opportunities on each stage of the cycle: how many, and their estimated and "
            "current values. The bars show the estimated value (for Not started, the count)."
        ),
        headers=[_("Stage"), _("Opportunities"), _("Estimated value"), _("Current value")],
        numeric=[False, True, True, True],
        bars=bars,
    ).layout()


def forecast(figures: Figures, link, today: datetime.date) -> Chart:
    this_month = today.replace(day=1)
    current_key = this_month.year * 100 + this_month.month
    overdue = Sums()
    for key, sums in figures.forecast.items():
        if key < current_key:
            overdue.add(sums)
    overdue.add(figures.overdue_this_month)
    yesterday = today - datetime.timedelta(days=1)
    bars = [
        Bar(
            label=_("Overdue"),
            value=overdue.current,
            text=money(overdue.current),
            url=link(status=Opportunity.Status.IN_PROGRESS, closing_to=yesterday.isoformat()),
            cells=[overdue.count, money(overdue.current)],
            style="overdue",
        )
    ]
    for offset in range(FORECAST_MONTHS):
        first = months_before(this_month, -offset)
        sums = Sums()
        sums.add(figures.forecast.get(first.year * 100 + first.month, Sums()))
        start = first
        if offset == 0:
            sums = sums.minus(figures.overdue_this_month)
            start = today
        bars.append(
            Bar(
                label=month_label(first),
                short_label=short_month(first),
                value=sums.current,
                text=money(sums.current),
                url=link(
                    status=Opportunity.Status.IN_PROGRESS,
                    closing_from=start.isoformat(),
                    closing_to=month_end(first).isoformat(),
                ),
                cells=[sums.count, money(sums.current)],
                style="current" if offset == 0 else "",
            )
        )
    return Chart(
        slug="forecast",
        title=_("Forecast by estimated closing month"),
        description=_(
            "Current value of the opportunities in progress by the month of their estimated "
            "closing date: first those whose date has passed, then the next 12 months."
        ),
        headers=[_("Month"), _("Opportunities"), _("Current value")],
        numeric=[False, True, True],
        bars=bars,
        vertical=True,
    ).layout()


def won_by_month(figures: Figures, link, start: datetime.date, end: datetime.date) -> Chart:
    bars = []
    first = start
    while first <= end:
        sums = figures.closed_by_month.get((first.year * 100 + first.month, "won"), Sums())
        bars.append(
            Bar(
                label=month_label(first),
                short_label=short_month(first),
                value=sums.current,
                text=money(sums.current),
                url=link(
                    status=Opportunity.Status.WON,
                    closing_from=first.isoformat(),
                    closing_to=month_end(first).isoformat(),
                ),
                cells=[sums.count, money(sums.current)],
                style="won",
            )
        )
        first = months_before(first, -1)
    return Chart(
        slug="won",
        title=_("Won by month closed"),
        description=_("Sales value of the opportunities won in each month of the period."),
        headers=[_("Month"), _("Won"), _("Sales value")],
        numeric=[False, True, True],
        bars=bars,
        vertical=True,
    ).layout()


def _outcomes(table: dict, key) -> tuple[Sums, Sums]:
    return table.get((key, "won"), Sums()), table.get((key, "lost"), Sums())


def win_rate(figures: Figures, link, closed_range: dict) -> Chart:
    people = sorted({key for key, _outcome in figures.closed_by_salesperson})
    names = dict(Salesperson.objects.filter(pk__in=people).values_list("pk", "code"))
    bars = []
    for pk in sorted(people, key=lambda pk: names.get(pk, "")):
        won, lost = _outcomes(figures.closed_by_salesperson, pk)
        by_count = percent(won.count, won.count + lost.count)
        by_value = percent(won.estimated, won.estimated + lost.estimated)
        bars.append(
            Bar(
                label=names.get(pk, "?"),
                value=by_count or Decimal(0),
                text=percent_text(by_count),
                url=link(status="closed", salesperson=names.get(pk), **closed_range),
                cells=[
                    won.count,
                    lost.count,
                    percent_text(by_count),
                    money(won.estimated),
                    money(lost.estimated),
                    percent_text(by_value),
                ],
                style="won",
            )
        )
    return Chart(
        slug="win-rate",
        title=_("Win rate by salesperson"),
        description=_(
            "Won / (won + lost) over the period, by count (the bars) and by estimated value."
        ),
        headers=[
            _("Salesperson"),
            _("Won"),
            _("Lost"),
            _("Win rate by count"),
            _("Won, estimated value"),
            _("Lost, estimated value"),
            _("Win rate by value"),
        ],
        numeric=[False, True, True, True, True, True, True],
        bars=bars,
        empty=_("No opportunity was closed in the period."),
    ).layout()


def _codes(figures: Figures) -> dict[int, CloseOpportunityCode]:
    ids = {key for key, _outcome in figures.closed_by_code if key}
    return {code.pk: code for code in CloseOpportunityCode.objects.filter(pk__in=ids)}


def by_close_code(figures: Figures, link, closed_range: dict, codes: dict) -> Chart:
    total = sum((sums.count for sums in figures.closed_by_code.values()), 0)
    bars = []
    ordered = sorted(
        figures.closed_by_code.items(),
        key=lambda item: (item[0][1] != "won", codes[item[0][0]].code if item[0][0] else "~"),
    )
    for (pk, outcome), sums in ordered:
        code = codes.get(pk)
        share = percent(sums.count, total)
        outcome_label = CloseOpportunityCode.Type(outcome).label
        bars.append(
            Bar(
                label=code.code if code else _("(no code)"),
                value=Decimal(sums.count),
                text=f"{sums.count} ({percent_text(share)})",
                url=link(status=outcome, **closed_range),
                cells=[
                    code.description if code else _("Order deleted"),
                    outcome_label,
                    sums.count,
                    percent_text(share),
                    money(sums.estimated),
                    money(sums.current),
                ],
                style=outcome,
            )
        )
    return Chart(
        slug="close-codes",
        title=_("Won and lost by close code"),
        description=_(
            "Opportunities closed in the period by close code: how many (the bars), their share "
            "of all closed, their estimated and current values."
        ),
        headers=[
            _("Close code"),
            _("Description"),
            _("Outcome"),
            _("Opportunities"),
            _("Share of closed"),
            _("Estimated value"),
            _("Current value"),
        ],
        numeric=[False, False, False, True, True, True, True],
        bars=bars,
        empty=_("No opportunity was closed in the period."),
    ).layout()


def lost_by_code(figures: Figures, link, closed_range: dict, codes: dict) -> Chart:
    bars = []
    lost = [
        (pk, sums) for (pk, outcome), sums in figures.closed_by_code.items() if outcome == "lost"
    ]
    for pk, sums in sorted(lost, key=lambda item: -item[1].estimated):
        code = codes.get(pk)
        bars.append(
            Bar(
                label=code.code if code else _("(no code)"),
                value=sums.estimated,
                text=money(sums.estimated),
                url=link(status=Opportunity.Status.LOST, **closed_range),
                cells=[sums.count, money(sums.estimated)],
                style="lost",
            )
        )
    return Chart(
        slug="lost-value",
        title=_("Lost value by lost close code"),
        description=_("Estimated value of the opportunities lost in the period, by close code."),
        headers=[_("Close code"), _("Lost"), _("Estimated value")],
        numeric=[False, True, True],
        bars=bars,
        empty=_("No opportunity was lost in the period."),
    ).layout()


def time_in_stage(figures: Figures, stages, link) -> Chart:
    bars = []
    for stage in stages:
        sums = figures.stays.get(stage.pk, Sums())
        average = sums.average_days
        bars.append(
            Bar(
                label=stage.description,
                value=average or Decimal(0),
                text=days_text(average),
                url=link(current_stage=stage.pk, status="open"),
                cells=[sums.count, days_text(average)],
            )
        )
    return Chart(
        slug="time-in-stage",
        title=_("Average days per stage"),
        description=_(
            "How long opportunities stayed on each stage before they moved on or closed: the "
            "average of the days open of the stage's finished entries."
        ),
        headers=[_("Stage"), _("Finished stays"), _("Average days")],
        numeric=[False, True, True],
        bars=bars,
    ).layout()
