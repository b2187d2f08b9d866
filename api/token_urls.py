"""The API tokens page of the user menu: a page of the site, outside /api/v1/."""

from django.urls import path

from api import tokens

app_name = "api_tokens"

urlpatterns = [
    path("", tokens.token_list, name="list"),
    path("<int:pk>/revoke/", tokens.token_revoke, name="revoke"),
]
