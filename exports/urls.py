"""The exports, next to the lists they are made from (included before the lists' apps, so that
`export` is never read as an opportunity or contact number)."""

from django.urls import path

from exports import views

app_name = "exports"

urlpatterns = [
    path("opportunities/export/", views.OpportunityExport.as_view(), name="opportunities"),
    path("opportunities/export/entries/", views.EntryExport.as_view(), name="entries"),
    path("contacts/export/", views.ContactExport.as_view(), name="contacts"),
    path("salespeople/export/", views.SalespersonExport.as_view(), name="salespeople"),
]
