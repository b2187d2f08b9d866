"""The contact and salesperson pickers: one form field each, for every page that chooses one.

A picker is a text input that takes a contact's number (a salesperson's code) and suggests
matches from a search as the user types (htmx fills a `<datalist>` from `contacts:search`).
The page holds the chosen row only, never every contact: the new opportunity page weighs the
same with 100,000 contacts as with 100. Without JavaScript the number is typed. Salespeople
are fewer: up to `SELECT_UP_TO` the field is a select that lists them, beyond it a picker.
"""

from django import forms
from django.db.models import Q, QuerySet
from django.template import loader
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from contacts.models import Contact, Salesperson

SUGGESTIONS = 20
SELECT_UP_TO = 50


def contact_label(number: str, name: str, company: str | None) -> str:
    """How a contact is shown in a picker: "CT000123 Name (Company)"."""
    return f"{number} {name} ({company})" if company else f"{number} {name}"


def salesperson_label(code: str, name: str) -> str:
    return f"{code} {name}"


def search_contacts(text: str, *, company: Contact | None = None) -> list[tuple[str, str]]:
    """The contacts whose number starts with `text` or whose name holds it, by name: at most
    `SUGGESTIONS`, as (number, label); `company` keeps to that company and its persons.

    Numbers are upper case: their start is a range of the number's own pattern index on
    PostgreSQL (`varchar_pattern_ops`, made for the unique column), where a trigram index reads
    the long lists of the trigrams every number shares (92 ms at 100,000 contacts). A name's
    part is served by the trigram index on the upper-cased name."""
    text = text.strip()
    if not text:
        return []
    rows = Contact.objects.filter(Q(number__startswith=text.upper()) | Q(name__icontains=text))
    if company is not None:
        rows = rows.filter(Q(pk=company.pk) | Q(company=company))
    found = rows.order_by("name", "number").values_list("number", "name", "company__name")
    return [(number, contact_label(number, *rest)) for number, *rest in found[:SUGGESTIONS]]


def search_salespeople(text: str, *, active_only: bool = False) -> list[tuple[str, str]]:
    """The salespeople whose code starts with `text` or whose name holds it, by code."""
    text = text.strip()
    if not text:
        return []
    rows = Salesperson.objects.filter(Q(code__istartswith=text) | Q(name__icontains=text))
    if active_only:
        rows = rows.filter(blocked=False)
    found = rows.order_by("code").values_list("code", "name")
    return [(code, salesperson_label(code, name)) for code, name in found[:SUGGESTIONS]]


class Picker(forms.TextInput):
    """A text input with suggestions: its `<datalist>` holds the chosen row, and htmx refills it
    from the field's search as the user types. For a field with `select_up_to`, a select of
    every offered row instead while they are no more than that (`select` renders it: a
    `RememberedSelect` in the list's filter pane)."""

    template_name = "includes/_picker.html"

    def __init__(self, attrs=None, *, select: forms.Select | None = None):
        super().__init__(attrs)
        self.select = select

    def __deepcopy__(self, memo):
        copied = super().__deepcopy__(memo)
        copied.select = None if self.select is None else self.select.__deepcopy__(memo)
        return copied

    @property
    def field(self) -> "PickerField":
        return self.choices.field  # ModelChoiceField gives its widget its choice iterator

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        field = self.field
        widget = context["widget"]
        list_id = f"{widget['attrs'].get('id') or name}-options"
        chosen = field.chosen_row(value)
        widget["list_id"] = list_id
        widget["options"] = [chosen] if chosen else []
        widget["attrs"] |= {
            "list": list_id,
            "autocomplete": "off",
            "spellcheck": "false",
            "data-hx-get": field.search_url(name),
            "data-hx-trigger": "input changed delay:200ms",
            "data-hx-target": f"#{list_id}",
            "data-hx-swap": "innerHTML",
            "data-hx-include": "this",
            "data-hx-push-url": "false",
            "data-hx-sync": "this:replace",
        }
        if field.placeholder:
            widget["attrs"].setdefault("placeholder", field.placeholder)
        return context

    def render(self, name, value, attrs=None, renderer=None):
        field = self.field
        rows = field.select_rows()
        if rows is not None:
            select = self.select or forms.Select()
            select.attrs = _as_select(self.attrs)
            empty = [] if field.empty_label is None else [("", field.empty_label)]
            select.choices = [*empty, *rows]
            return select.render(name, value, _as_select(attrs or {}), renderer)
        return self.render_picker(self.get_context(name, value, attrs))

    def render_picker(self, context: dict) -> str:
        # The project's templates (the form renderer's engine does not see them).
        return loader.render_to_string(self.template_name, context)


def _as_select(attrs: dict) -> dict:
    """A text input's attributes for a select: Bootstrap's select class for its input class."""
    if "class" not in attrs:
        return {**attrs}
    return {**attrs, "class": attrs["class"].replace("form-control", "form-select")}


class PickerField(forms.ModelChoiceField):
    """A row chosen by its key (number, code), typed or picked; the key is trimmed and
    upper-cased. `offered` narrows what the select lists and the search suggests (the
    validation stays wide, so that a row the rules refuse reaches the service and its
    message)."""

    widget = Picker
    search_url_name: str
    select_up_to: int | None = None
    label_columns: tuple[str, ...]

    def __init__(self, *, placeholder: str = "", **kwargs):
        super().__init__(**kwargs)
        self.placeholder = placeholder
        self.offered: QuerySet | None = None
        self.search_params: dict[str, str] = {}

    def __deepcopy__(self, memo):
        copied = super().__deepcopy__(memo)
        copied.search_params = {**self.search_params}
        return copied

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().upper()
        found = super().to_python(value)
        self.found = found  # shown again by the widget without reading it twice
        return found

    def label_of(self, key: str, *columns) -> str:
        raise NotImplementedError

    def rows(self) -> QuerySet:
        return self.queryset if self.offered is None else self.offered

    def chosen_row(self, value) -> tuple[str, str] | None:
        """(key, label) of the row `value` names, when there is one: one query."""
        if isinstance(value, (list, tuple)):
            value = value[0] if value else None
        if not isinstance(value, str) or not value.strip():
            return None
        key = value.strip().upper()
        cleaned = getattr(self, "found", None)
        if cleaned is not None and getattr(cleaned, self.to_field_name) == key:
            return (key, self.label_from_instance(cleaned))
        found = (
            self.queryset.filter(**{self.to_field_name: key})
            .values_list(self.to_field_name, *self.label_columns)
            .first()
        )
        return (found[0], self.label_of(*found)) if found else None

    def select_rows(self) -> list[tuple[str, str]] | None:
        """Every offered row as (key, label) while they are `select_up_to` or fewer, in one
        query; None for a picker."""
        if self.select_up_to is None:
            return None
        found = list(
            self.rows()
            .order_by(self.to_field_name)
            .values_list(self.to_field_name, *self.label_columns)[: self.select_up_to + 1]
        )
        if len(found) > self.select_up_to:
            return None
        return [(row[0], self.label_of(*row)) for row in found]

    def search_url(self, name: str) -> str:
        query = {"field": name, **self.search_params}
        return f"{reverse(self.search_url_name)}?{urlencode(query)}"


class ContactField(PickerField):
    """A contact by number (CT000123)."""

    search_url_name = "contacts:search"
    label_columns = ("name", "company__name")
    default_error_messages = {"invalid_choice": _("There is no contact with this number.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Contact.objects.select_related("company"))
        kwargs.setdefault("placeholder", _("Number or name"))
        kwargs.setdefault("to_field_name", "number")
        super().__init__(**kwargs)

    def label_of(self, number, name, company) -> str:
        return contact_label(number, name, company)

    def label_from_instance(self, obj) -> str:
        return contact_label(obj.number, obj.name, obj.company.name if obj.company_id else None)

    def within_company(self, contact: Contact) -> None:
        """Suggest only the contacts of `contact`'s company (itself, without a company)."""
        company = contact.company_contact or contact
        self.search_params["company"] = company.number


class SalespersonField(PickerField):
    """A salesperson by code (JO): a select while there are few, a picker beyond."""

    search_url_name = "contacts:salesperson_search"
    select_up_to = SELECT_UP_TO
    label_columns = ("name",)
    default_error_messages = {"invalid_choice": _("There is no salesperson with this code.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Salesperson.objects.all())
        kwargs.setdefault("placeholder", _("Code or name"))
        kwargs.setdefault("to_field_name", "code")
        super().__init__(**kwargs)

    def label_of(self, code, name) -> str:
        return salesperson_label(code, name)

    def label_from_instance(self, obj) -> str:
        return salesperson_label(obj.code, obj.name)

    def offer(self, rows: QuerySet, *, active_only: bool = False) -> None:
        """List (or suggest) `rows` only; `active_only`: the search leaves out the blocked."""
        self.offered = rows
        if active_only:
            self.search_params["active"] = "1"
