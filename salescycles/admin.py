"""Admin for sales cycles, with their stages inline."""

from django import forms
from django.contrib import admin

from protection.admin import ProtectedDeleteAdmin
from salescycles.models import SalesCycle, SalesCycleStage


class StageFormSet(forms.BaseInlineFormSet):
    """A stage an opportunity is on cannot be deleted: say so on the form, not with a crash."""

    def clean(self):
        super().clean()
        for form in self.deleted_forms:
            stage = form.instance
            if stage.pk and (reason := stage.deletion_refusal()):
                form.add_error(None, reason)
                raise forms.ValidationError(reason, code="protected")

    def add_fields(self, form, index):
        """Each input of a row is named by its column's header, "Delete" included: the table's
        cells have no label of their own. A help text is the header's help icon
        (admin/salescycles/stage_inline.html), which describes the input."""
        super().add_fields(form, index)
        for name, field in form.fields.items():
            if field.label and not field.widget.is_hidden:
                field.widget.attrs["aria-label"] = field.label
                if field.help_text:
                    field.widget.attrs["aria-describedby"] = f"{self.prefix}-{name}-help"


class StageForm(forms.ModelForm):
    """A stage as a row of its cycle's page: inputs as wide as their values, so that the seven
    fields fit a laptop screen beside the admin's side bar (static/css/admin.css)."""

    class Meta:
        widgets = {
            "stage": forms.NumberInput(attrs={"class": "stage-number"}),
            "description": forms.TextInput(attrs={"size": 24}),
            "completed": forms.NumberInput(attrs={"class": "stage-percent"}),
            "chances_of_success": forms.NumberInput(attrs={"class": "stage-percent"}),
            "date_formula": forms.TextInput(attrs={"size": 8}),  # CM+1D, 10D, 1M+2W
        }


class StageInline(admin.TabularInline):
    model = SalesCycleStage
    form = StageForm
    formset = StageFormSet
    classes = ["stage-inline"]
    template = "admin/salescycles/stage_inline.html"
    fields = [
        "stage",
        "description",
        "completed",
        "chances_of_success",
        "quote_required",
        "allow_skip",
        "date_formula",
    ]
    extra = 1
    ordering = ["stage"]


@admin.register(SalesCycle)
class SalesCycleAdmin(ProtectedDeleteAdmin):
    list_display = ["code", "description", "probability_calculation", "blocked"]
    list_filter = ["blocked", "probability_calculation"]
    search_fields = ["code", "description"]
    inlines = [StageInline]


@admin.register(SalesCycleStage)
class SalesCycleStageAdmin(ProtectedDeleteAdmin):
    list_display = ["sales_cycle", "stage", "description", "completed", "chances_of_success"]
    list_filter = ["sales_cycle"]
    search_fields = ["description", "sales_cycle__code"]
    list_select_related = ["sales_cycle"]

    def has_module_permission(self, request):
        return False  # edited inline in its sales cycle; registered for the admin's lookups
