"""Number series, after BC's "No. Series": a counter per document type.

A number once handed out is never handed out again, even when its document is deleted, because
the counter only moves forward and is read and advanced under a row lock.
"""

from django.db import models, transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _


class NumberSeries(models.Model):
    """The last number used for one kind of document."""

    code = models.CharField(_("code"), max_length=10, primary_key=True)
    prefix = models.CharField(_("prefix"), max_length=10)
    width = models.PositiveSmallIntegerField(_("digits"), default=6)
    last_number = models.PositiveBigIntegerField(_("last number used"), default=0)

    class Meta:
        verbose_name = _("number series")
        verbose_name_plural = _("number series")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} ({self.format(self.last_number)})"

    def format(self, value: int) -> str:
        return f"{self.prefix}{value:0{self.width}d}"


# Every document type's series, created on first use with this prefix and width.
SERIES = {
    "OP": ("OP", 6),
    "CT": ("CT", 6),
    "CU": ("CU", 6),
    "SQ": ("SQ", 6),
    "SO": ("SO", 6),
}


def next_number(code: str) -> str:
    """Hand out the next number of the series `code`, e.g. "OP000042"."""
    return next_numbers(code, 1)[0]


def next_numbers(code: str, count: int) -> list[str]:
    """Reserve `count` consecutive numbers of a series in one locked step: the counter moves in
    one UPDATE, which holds the row lock to the end of the transaction, then is read back (two
    queries; a series' first use creates it)."""
    series = NumberSeries.objects.filter(code=code)
    # Inside the caller's transaction no savepoint is needed: a failure here fails the caller.
    with transaction.atomic(savepoint=False):
        if not series.update(last_number=F("last_number") + count):
            prefix, width = SERIES[code]
            NumberSeries.objects.get_or_create(
                code=code, defaults={"prefix": prefix, "width": width}
            )
            series.update(last_number=F("last_number") + count)
        prefix, width, last = series.values_list("prefix", "width", "last_number").get()
    numbers = NumberSeries(prefix=prefix, width=width)
    return [numbers.format(value) for value in range(last - count + 1, last + 1)]


class Numbered(models.Model):
    """A document with an automatic number from the series named by `number_series`."""

    number_series: str

    number = models.CharField(_("number"), max_length=20, unique=True, blank=True)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self.number:
            self.number = next_number(self.number_series)
        super().save(*args, **kwargs)
