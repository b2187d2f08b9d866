"""Quotes and sales orders, and their lines."""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from contacts.models import Contact, Customer, Salesperson
from numbering.models import Numbered
from opportunities.models.choices import MONEY, ZERO


class SalesDocument(Numbered):
    """What quotes and orders share: a number, a date and lines with a total."""

    order_date = models.DateField(_("order date"))

    class Meta:
        abstract = True
        ordering = ["-number"]

    def __str__(self) -> str:
        return self.number

    @property
    def total(self) -> Decimal:
        return document_total(self.lines.all())


class Quote(SalesDocument):
    """A sales quote made from an opportunity; it becomes an order when the customer agrees."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CONVERTED = "converted", _("Converted to order")

    number_series = "SQ"

    contact = models.ForeignKey(
        Contact, verbose_name=_("contact"), on_delete=models.PROTECT, related_name="quotes"
    )
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="quotes",
    )
    salesperson = models.ForeignKey(
        Salesperson, verbose_name=_("salesperson"), on_delete=models.PROTECT, related_name="quotes"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.OPEN)

    class Meta(SalesDocument.Meta):
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")

    def get_absolute_url(self) -> str:
        return reverse("opportunities:quote_detail", args=[self.number])

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class SalesOrder(SalesDocument):
    """A customer's order, made from a quote."""

    number_series = "SO"

    quote = models.OneToOneField(
        Quote, verbose_name=_("quote"), on_delete=models.PROTECT, related_name="order"
    )
    contact = models.ForeignKey(
        Contact, verbose_name=_("contact"), on_delete=models.PROTECT, related_name="orders"
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="orders"
    )
    salesperson = models.ForeignKey(
        Salesperson, verbose_name=_("salesperson"), on_delete=models.PROTECT, related_name="orders"
    )

    class Meta(SalesDocument.Meta):
        verbose_name = _("sales order")
        verbose_name_plural = _("sales orders")

    def get_absolute_url(self) -> str:
        return reverse("opportunities:order_detail", args=[self.number])


def document_total(lines) -> Decimal:
    """Sum of quantity x unit price, excluding VAT, rounded to the cent."""
    return sum((line.amount for line in lines), ZERO).quantize(Decimal("0.01"))


class DocumentLine(models.Model):
    """A line of a quote or an order."""

    line_no = models.PositiveIntegerField(_("line"), default=10000)
    description = models.CharField(_("description"), max_length=100)
    quantity = models.DecimalField(
        _("quantity"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )
    unit_price = models.DecimalField(_("unit price"), **MONEY, validators=[MinValueValidator(0)])

    class Meta:
        abstract = True
        ordering = ["line_no", "pk"]

    def __str__(self) -> str:
        return self.description

    @property
    def amount(self) -> Decimal:
        return (self.quantity * self.unit_price).quantize(Decimal("0.01"))


class QuoteLine(DocumentLine):
    quote = models.ForeignKey(
        Quote, verbose_name=_("quote"), on_delete=models.CASCADE, related_name="lines"
    )

    class Meta(DocumentLine.Meta):
        verbose_name = _("quote line")
        verbose_name_plural = _("quote lines")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=0), name="quote_line_quantity"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="quote_line_price"),
        ]


class SalesOrderLine(DocumentLine):
    order = models.ForeignKey(
        SalesOrder, verbose_name=_("order"), on_delete=models.CASCADE, related_name="lines"
    )

    class Meta(DocumentLine.Meta):
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=0), name="order_line_quantity"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="order_line_price"),
        ]
