"""Sales cycle pages."""

from django.urls import path

from salescycles import views

app_name = "salescycles"

urlpatterns = [
    path("", views.SalesCycleListView.as_view(), name="list"),
    path("<str:code>/", views.SalesCycleDetailView.as_view(), name="detail"),
]
