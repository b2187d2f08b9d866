"""The admin of setup data, obeying the models' guard on deletion."""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import transaction


class ProtectedDeleteAdmin(admin.ModelAdmin):
    """Deletion in the admin obeys the models' guards, single or bulk.

    The refusal reasons are shown the way the admin shows protected objects, and the deletion
    itself goes through each object's `delete()`, which checks again.
    """

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        reasons = [reason for obj in objs if (reason := obj.deletion_refusal())]
        if protected or reasons:
            # Refused whoever asks: say why. Django would first say that the user lacks the
            # permission to delete the protected objects (quotes and orders are never deleted
            # from the admin), which is beside the point, and told even to a superuser.
            perms_needed = set()
        return deleted, counts, perms_needed, [*protected, *reasons]

    def delete_model(self, request, obj):
        self._delete(request, [obj])

    def delete_queryset(self, request, queryset):
        self._delete(request, list(queryset))

    def _delete(self, request, objs):
        try:
            with transaction.atomic():
                for obj in objs:
                    obj.delete()
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), level="error")
