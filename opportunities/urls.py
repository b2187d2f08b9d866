"""The opportunity pages; the list is the site's home page."""

from django.urls import path

from opportunities import views

app_name = "opportunities"

urlpatterns = [
    path("", views.OpportunityListView.as_view(), name="list"),
    path("opportunities/new/", views.opportunity_create, name="create"),
    path("opportunities/delete/", views.batch_delete, name="batch_delete"),
    path("opportunities/<str:number>/", views.OpportunityDetailView.as_view(), name="detail"),
    path("opportunities/<str:number>/update/", views.opportunity_update, name="update"),
    path("opportunities/<str:number>/activate/", views.opportunity_activate, name="activate"),
    path("opportunities/<str:number>/close/", views.opportunity_close, name="close"),
    path("opportunities/<str:number>/delete/", views.opportunity_delete, name="delete"),
    path("opportunities/<str:number>/quote/", views.quote_create, name="create_quote"),
    path("quotes/<str:number>/", views.QuoteDetailView.as_view(), name="quote_detail"),
    path("quotes/<str:number>/lines/", views.quote_line_add, name="quote_line_add"),
    path(
        "quotes/<str:number>/lines/<int:line>/",
        views.quote_line_update,
        name="quote_line_update",
    ),
    path(
        "quotes/<str:number>/lines/<int:line>/delete/",
        views.quote_line_delete,
        name="quote_line_delete",
    ),
    path("quotes/<str:number>/order/", views.make_order, name="make_order"),
    path("quotes/<str:number>/delete/", views.quote_delete, name="quote_delete"),
    path("orders/<str:number>/", views.OrderDetailView.as_view(), name="order_detail"),
    path("orders/<str:number>/delete/", views.order_delete, name="order_delete"),
]
