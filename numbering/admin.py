"""Number series are shown, not edited: moving a counter back would reuse numbers."""

from django.contrib import admin

from numbering.models import NumberSeries


@admin.register(NumberSeries)
class NumberSeriesAdmin(admin.ModelAdmin):
    list_display = ["code", "prefix", "width", "last_number"]
    readonly_fields = ["code", "prefix", "width", "last_number"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
