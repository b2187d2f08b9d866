"""Contact and salesperson pages."""

from django.urls import path

from contacts import search, views

app_name = "contacts"

urlpatterns = [
    path("contacts/", views.ContactListView.as_view(), name="contact_list"),
    path("contacts/search/", search.ContactSearchView.as_view(), name="search"),
    path("contacts/<str:number>/", views.ContactDetailView.as_view(), name="contact_detail"),
    path("contacts/<str:number>/customer/", views.create_customer, name="create_customer"),
    path("salespeople/", views.SalespersonListView.as_view(), name="salesperson_list"),
    path("salespeople/search/", search.SalespersonSearchView.as_view(), name="salesperson_search"),
    path(
        "salespeople/<str:code>/",
        views.SalespersonDetailView.as_view(),
        name="salesperson_detail",
    ),
]
