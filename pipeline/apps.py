from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PipelineConfig(AppConfig):
    """The pipeline board and the dashboard, with the summaries that keep them fast."""

    name = "pipeline"
    verbose_name = _("Pipeline")
