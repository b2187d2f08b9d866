"""The API's documentation page: Swagger UI from drf-spectacular-sidecar, served locally."""

from drf_spectacular.views import SpectacularSwaggerSplitView


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI with its setup script as a file of its own (no inline script or style, for
    the site's Content-Security-Policy). For logged-in users: others go to the login page."""

    template_name = "api/swagger_ui.html"
    title = "Opportunity CRM API"

    @classmethod
    def as_view(cls, **initkwargs):
        view = super().as_view(**initkwargs)
        view.login_required = True  # a page: LoginRequiredMiddleware sends visitors to the login
        return view
