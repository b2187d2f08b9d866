"""The site's URLs: the apps (the dashboard is the home page), authentication, the
language switch, the admin and the REST API with its tokens page."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

urlpatterns = [
    path("", include("pipeline.urls")),
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
]
