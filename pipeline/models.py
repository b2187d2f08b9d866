"""The summaries behind the board's column totals and the dashboard's figures.

Database triggers keep them exact: every write to an opportunity or an entry appends what it
changed to `FigureChange`, in the same transaction (so nothing can commit without its figures,
and two writers never wait for each other on a shared total). `Figure` holds the totals up to
the changes folded into it; a page reads `Figure` and `FigureChange` together, in one
statement. `FigureState` says the totals are built: a TRUNCATE of the opportunities or entries
(a bulk load) marks them stale, and the next read builds everything again from the data.

Each figure is kept by salesperson and priority (the board's and the dashboard's filters) and
also rolled up over them: a row whose salesperson is `ALL_SALESPEOPLE` sums every salesperson,
one whose priority is `ALL_PRIORITIES` every priority. A page without those filters reads the
rolled-up rows (a few per stage or month), not one per salesperson and priority.

Amounts are whole cents, so that sums are exact on SQLite too.
"""

from django.db import models


class FigureKind(models.IntegerChoices):
    # Open opportunities by current stage (stage 0: not started).
    STAGE = 1
    # In-progress opportunities by month of estimated closing date.
    FORECAST = 2
    # Closed opportunities (their active closing entry) by month closed, outcome and close code.
    CLOSED = 3
    # Finished stays on a stage (inactive stage entries): how many and their days open.
    STAY = 4
    # Closed opportunities by salesperson, month closed and outcome (whatever the close code):
    # the win rates, kept by salesperson and rolled up over priorities only.
    CLOSED_BY_SALESPERSON = 5


# The key of a row rolled up over every salesperson, over every priority.
ALL_SALESPEOPLE = 0
ALL_PRIORITIES = "*"


class FigureColumns(models.Model):
    """One summary row: a kind of figure, the filters it can be read by, and its sums."""

    kind = models.PositiveSmallIntegerField(choices=FigureKind)
    # The opportunity's, as the list filters it (not the entry's).
    sales_cycle_id = models.BigIntegerField()
    salesperson_id = models.BigIntegerField()  # ALL_SALESPEOPLE: rolled up over them
    priority = models.CharField(max_length=6)  # ALL_PRIORITIES: rolled up over them
    stage_id = models.BigIntegerField(default=0)  # 0: none
    month = models.IntegerField(default=0)  # YYYYMM, 0: none
    outcome = models.CharField(max_length=4, default="")
    close_code_id = models.BigIntegerField(default=0)  # 0: none
    count = models.BigIntegerField(default=0)
    estimated_cents = models.BigIntegerField(default=0)
    current_cents = models.BigIntegerField(default=0)
    days = models.BigIntegerField(default=0)

    KEY = (
        "kind",
        "sales_cycle_id",
        "salesperson_id",
        "priority",
        "stage_id",
        "month",
        "outcome",
        "close_code_id",
    )
    SUMS = ("count", "estimated_cents", "current_cents", "days")

    class Meta:
        abstract = True


class Figure(FigureColumns):
    """The totals, one row per key, up to the changes folded into them."""

    class Meta:
        constraints = [models.UniqueConstraint(fields=FigureColumns.KEY, name="figure_key")]
        indexes = [
            # The win rates of a cycle: every salesperson's rows of a priority (or of all) in
            # the period. (The key's own index serves the other reads: kind, cycle,
            # salesperson, priority, stage, then months.)
            models.Index(
                fields=["sales_cycle_id", "kind", "priority", "month"],
                name="figure_cycle_priority_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.sales_cycle_id} {self.count}"


class FigureChange(FigureColumns):
    """What one statement changed, appended by the triggers; folded into `Figure` now and
    then (`pipeline.figures.fold`)."""

    class Meta:
        indexes = [models.Index(fields=["sales_cycle_id", "kind"], name="figure_change_cycle_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.sales_cycle_id} {self.count:+}"


class FigureState(models.Model):
    """Whether `Figure` and `FigureChange` together hold every figure: a build leaves one row,
    `stale` false; a TRUNCATE adds a stale row (an insert, which waits for no one), and from
    then on the figures are built again before they are read."""

    built_at = models.DateTimeField(auto_now_add=True)
    stale = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{'stale' if self.stale else 'built'} {self.built_at}"
