from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalescyclesConfig(AppConfig):
    name = "salescycles"
    verbose_name = _("Sales cycles")
