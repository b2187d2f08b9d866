"""The site's URLs: the apps (the dashboard is the home page), authentication, the
language switch, the admin and the REST API with its tokens page."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView
from django.views.i18n import set_language

# The admin's header and page titles name the product (Django's say "Django administration").
admin.site.site_header = _("Opportunity CRM administration")
admin.site.site_title = _("Opportunity CRM")
admin.site.index_title = _("Setup data and users")

urlpatterns = [
    path("", include("pipeline.urls")),
    path("", include("exports.urls")),
    path("", include("opportunities.urls")),
    path("", include("contacts.urls")),
    path("sales-cycles/", include("salescycles.urls")),
    path("jobs/", include("jobs.urls")),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("api.urls")),
    path("account/api-tokens/", include("api.token_urls")),
    # The language switch also serves the login page.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    # Browsers ask for /favicon.ico whatever the page links. The static file's URL is read at
    # the request (in production it carries the file's hash, and changes with the file).
    path(
        "favicon.ico",
        login_not_required(RedirectView.as_view(url=lazy(static, str)("img/favicon.svg"))),
        name="favicon",
    ),
]

handler400 = "api.errors.bad_request"  # JSON for the API, the page for the rest
