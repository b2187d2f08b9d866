"""Contacts, customers and salespeople."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Upper
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from numbering.models import Numbered
from protection.models import SetupProtection

# A setup code (salesperson, sales cycle) is a path segment of its page's address and travels in
# query strings: letters A to Z, digits and - _ . only ("/" would split the path, quotes and
# angle brackets would need escaping everywhere, "." and ".." are path steps, hence the first
# character). Lower case is accepted here: `clean()` upper-cases the code after validation.
validate_code = RegexValidator(
    r"\A[A-Za-z0-9][A-Za-z0-9._-]*\Z",
    message=_(
        "A code may hold only letters A to Z, digits and the characters - _ . and must start "
        "with a letter or a digit."
    ),
    code="invalid_code",
)


class Salesperson(SetupProtection, models.Model):
    """A member of the sales team; a logged-in user may be one."""

    code = models.CharField(_("code"), max_length=20, unique=True, validators=[validate_code])
    name = models.CharField(_("name"), max_length=100)
    email = models.EmailField(_("email"), blank=True)
    blocked = models.BooleanField(_("blocked"), default=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="salesperson",
    )

    class Meta:
        verbose_name = _("salesperson")
        verbose_name_plural = _("salespeople")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code=Upper("code")), name="salesperson_code_upper_case"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("contacts:salesperson_detail", args=[self.code])

    def clean(self) -> None:
        self.code = (self.code or "").upper()

    def deletion_refusal(self) -> str | None:
        if self.opportunities.exists() or self.opportunity_entries.exists():
            return _(
                "Salesperson %(code)s has opportunities and cannot be deleted. Block the "
                "salesperson instead, or delete the closed opportunities first."
            ) % {"code": self.code}
        return None

    def statistics(self) -> dict:
        return self.opportunities.statistics()


class Contact(SetupProtection, Numbered):
    """A company or a person we are in touch with; a person may belong to a company."""

    number_series = "CT"

    class Type(models.TextChoices):
        COMPANY = "company", _("Company")
        PERSON = "person", _("Person")

    name = models.CharField(_("name"), max_length=100)
    type = models.CharField(_("type"), max_length=10, choices=Type, default=Type.COMPANY)
    company = models.ForeignKey(
        "self",
        verbose_name=_("company"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="persons",
        limit_choices_to={"type": "company"},
    )
    salesperson = models.ForeignKey(
        Salesperson,
        verbose_name=_("salesperson"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contacts",
    )
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["number"]
        indexes = [models.Index(fields=["name"], name="contact_name_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(type="person") | models.Q(company__isnull=True),
                name="contact_only_persons_have_a_company",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("contacts:contact_detail", args=[self.number])

    @classmethod
    def from_db(cls, db, field_names, values, **kwargs):
        instance = super().from_db(db, field_names, values, **kwargs)
        loaded = instance.__dict__
        instance._saved_company = (loaded.get("type"), loaded.get("company_id"))
        return instance

    def save(self, *args, **kwargs):
        """A person who moves to another company takes their opportunities along: the company
        each keeps (`Opportunity.company`) follows, in one UPDATE."""
        super().save(*args, **kwargs)
        saved = getattr(self, "_saved_company", None)
        now = (self.type, self.company_id)
        if saved is not None and saved != now:
            self.opportunities.update(company_id=self.company_contact_id)
        self._saved_company = now

    @property
    def company_contact_id(self) -> int | None:
        """The id of `company_contact`, without reading the company."""
        return self.pk if self.is_company else self.company_id

    @property
    def is_company(self) -> bool:
        return self.type == self.Type.COMPANY

    @property
    def company_contact(self) -> "Contact | None":
        """The company this contact belongs to: itself for a company."""
        return self if self.is_company else self.company

    @property
    def is_customer(self) -> bool:
        return hasattr(self, "customer")

    def clean(self) -> None:
        if self.company_id is not None:
            if self.type == self.Type.COMPANY:
                raise ValidationError(
                    {
                        "company": ValidationError(
                            _("Only a person can belong to a company."), code="invalid"
                        )
                    }
                )
            if self.company.type != self.Type.COMPANY or self.company_id == self.pk:
                raise ValidationError(
                    {
                        "company": ValidationError(
                            _("Choose a contact of type company."), code="invalid"
                        )
                    }
                )
        if self.pk is not None:
            old_type = Contact.objects.filter(pk=self.pk).values_list("type", flat=True).first()
            if old_type is not None and old_type != self.type and self.opportunities.exists():
                raise ValidationError(
                    {
                        "type": ValidationError(
                            _("The type cannot change while opportunities refer to it."),
                            code="protected",
                        )
                    }
                )
            if (
                self.type == self.Type.PERSON
                and old_type == self.Type.COMPANY
                and self.persons.exists()
            ):
                raise ValidationError(
                    {
                        "type": ValidationError(
                            _("A company with persons cannot become a person."),
                            code="protected",
                        )
                    }
                )

    def deletion_refusal(self) -> str | None:
        if self.opportunities.exists() or self.opportunity_entries.exists():
            return _(
                "Contact %(number)s has opportunities and cannot be deleted. Delete its closed "
                "opportunities first."
            ) % {"number": self.number}
        return None

    def statistics(self) -> dict:
        opportunities = self.opportunities.model.objects  # read through the relation: no import
        return opportunities.for_contact(self).statistics()


class Customer(Numbered):
    """A contact we sell to: orders need one."""

    number_series = "CU"

    name = models.CharField(_("name"), max_length=100)
    contact = models.OneToOneField(
        Contact, verbose_name=_("contact"), on_delete=models.PROTECT, related_name="customer"
    )

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"
