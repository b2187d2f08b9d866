from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    """Long work run as jobs on worker processes, with who started it, progress and result."""

    name = "jobs"
    verbose_name = _("Jobs")
