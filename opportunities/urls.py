"""The opportunity pages: the list, the card, the dialogs, quotes and orders."""

from django.urls import path

from opportunities.views import batch, card, dialogs, documents, lists

app_name = "opportunities"

urlpatterns = [
    path("opportunities/", lists.OpportunityListView.as_view(), name="list"),
    path("opportunities/totals/", lists.OpportunityTotalsView.as_view(), name="totals"),
    path("opportunities/new/", dialogs.opportunity_create, name="create"),
    path("opportunities/delete/", batch.batch_delete, name="batch_delete"),
    path("opportunities/<str:number>/", card.OpportunityDetailView.as_view(), name="detail"),
    path("opportunities/<str:number>/update/", dialogs.opportunity_update, name="update"),
    path("opportunities/<str:number>/activate/", dialogs.opportunity_activate, name="activate"),
    path("opportunities/<str:number>/edit/", dialogs.opportunity_edit, name="edit"),
    path("opportunities/<str:number>/close/", dialogs.opportunity_close, name="close"),
    path(
        "opportunities/<str:number>/close/code/",
        dialogs.close_code_add,
        name="close_code_add",
    ),
    path("opportunities/<str:number>/delete/", dialogs.opportunity_delete, name="delete"),
    path("opportunities/<str:number>/quote/", documents.quote_create, name="create_quote"),
    path("quotes/<str:number>/", documents.QuoteDetailView.as_view(), name="quote_detail"),
    path("quotes/<str:number>/lines/", documents.quote_line_add, name="quote_line_add"),
    path(
        "quotes/<str:number>/lines/<int:line>/",
        documents.quote_line_update,
        name="quote_line_update",
    ),
    path(
        "quotes/<str:number>/lines/<int:line>/delete/",
        documents.quote_line_delete,
        name="quote_line_delete",
    ),
    path("quotes/<str:number>/order/", documents.make_order, name="make_order"),
    path("quotes/<str:number>/delete/", documents.quote_delete, name="quote_delete"),
    path("orders/<str:number>/", documents.OrderDetailView.as_view(), name="order_detail"),
    path("orders/<str:number>/delete/", documents.order_delete, name="order_delete"),
]
