"""The results: rows of (metric, ours, baseline, ratio, goal, ok), as a table and as JSON."""

from dataclasses import asdict, dataclass


@dataclass
class Goal:
    """What a row must show. `kind`: the ratio at most/at least `limit`, ours at most `limit`,
    or ours equal to the baseline. Timing goals are judged only at full size."""

    kind: str  # "ratio_max" | "ratio_min" | "max" | "equal"
    limit: float | None = None
    timing: bool = True

    @property
    def text(self) -> str:
        match self.kind:
            case "ratio_max":
                return f"<= {self.limit:g}x"
            case "ratio_min":
                return f">= {self.limit:g}x"
            case "max":
                return f"<= {self.limit:,g}"
            case "less":
                return f"< {self.limit:,g}"
            case "equal":
                return "= baseline"
        return ""

    def judge(self, ours: float | None, baseline: float | None, ratio: float | None) -> bool:
        match self.kind:
            case "ratio_max":
                return ratio is not None and ratio <= self.limit
            case "ratio_min":
                return ratio is not None and ratio >= self.limit
            case "max":
                return ours is not None and ours <= self.limit
            case "less":
                return ours is not None and ours < self.limit
            case "equal":
                return ours == baseline
        raise ValueError(self.kind)


@dataclass
class Row:
    section: str
    metric: str
    unit: str
    ours: float | None
    baseline: float | None = None
    ratio: float | None = None
    goal: str = ""
    ok: bool | None = None  # None: no goal, or a timing goal not judged at this size
    timing: bool = False
    note: str = ""


class Results:
    """What a worker measured, for one database."""

    def __init__(self, *, section: str, judge_timing: bool):
        self.section = section
        self.judge_timing = judge_timing
        self.rows: list[Row] = []
        self.checks: list[dict] = []
        self.details: dict = {}

    def row(
        self,
        metric: str,
        unit: str,
        ours: float | None,
        baseline: float | None = None,
        *,
        goal: Goal | None = None,
        ratio: float | None = None,
        note: str = "",
    ) -> Row:
        if ratio is None and ours is not None and baseline:
            ratio = ours / baseline
        ok = None
        if goal is not None and (self.judge_timing or not goal.timing):
            ok = goal.judge(ours, baseline, ratio)
        row = Row(
            section=self.section,
            metric=metric,
            unit=unit,
            ours=ours,
            baseline=baseline,
            ratio=ratio,
            goal=goal.text if goal else "",
            ok=ok,
            timing=bool(goal and goal.timing),
            note=note,
        )
        self.rows.append(row)
        return row

    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        self.checks.append({"name": name, "ok": bool(ok), "detail": detail})
        if not ok:
            print(f"  CHECK FAILED: {name}: {detail}", flush=True)
        return ok

    def as_dict(self) -> dict:
        return {
            "section": self.section,
            "rows": [asdict(row) for row in self.rows],
            "checks": self.checks,
            "details": self.details,
        }


def _number(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "ms":
        return f"{value:,.1f} ms" if value < 100 else f"{value:,.0f} ms"
    if unit == "MiB":
        return f"{value:,.2f} MiB"
    if unit in ("rows/s", "req/s"):
        return f"{value:,.0f} {unit}"
    if float(value).is_integer():
        return f"{int(value):,}" + (f" {unit}" if unit else "")
    return f"{value:,.2f}" + (f" {unit}" if unit else "")


def figures(row: dict) -> list[str]:
    """Ours, the baseline and their ratio, as the tables show them."""
    ratio = "-" if row["ratio"] is None else f"{row['ratio']:.2f}x"
    return [_number(row["ours"], row["unit"]), _number(row["baseline"], row["unit"]), ratio]


def markdown_table(header: list[str], body: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(["---"] * len(header)) + " |"]
    return lines + ["| " + " | ".join(cells) + " |" for cells in body]


def _ok(row: dict) -> str:
    if row["ok"] is None:
        return "n/a" if row["goal"] else ""
    return "pass" if row["ok"] else "FAIL"


def table_lines(sections: list[dict], *, markdown: bool) -> list[str]:
    """The table: one block per database, with a header line per block."""
    headers = ["metric", "ours", "baseline", "ratio", "goal", "ok"]
    lines = []
    for section in sections:
        body = []
        for row in section["rows"]:
            body.append([row["metric"], *figures(row), row["goal"] or "-", _ok(row)])
        if markdown:
            lines += [f"**{section['title']}**", "", *markdown_table(headers, body), ""]
        else:
            widths = [
                max(len(headers[i]), *(len(cells[i]) for cells in body)) if body else 10
                for i in range(len(headers))
            ]
            lines.append(section["title"])
            lines.append("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
            lines.append("  ".join("-" * w for w in widths))
            for cells in body:
                aligned = [cells[0].ljust(widths[0])] + [
                    c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True)
                ]
                lines.append("  ".join(aligned))
            lines.append("")
    return lines
