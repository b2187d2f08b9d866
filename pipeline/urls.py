"""The dashboard (the home page) and the pipeline board."""

from django.urls import path

from pipeline import views

app_name = "pipeline"

urlpatterns = [
    path("", views.dashboard_view, name="dashboard"),
    path("pipeline/", views.board_index, name="board_index"),
    path("pipeline/<str:code>/", views.board_view, name="board"),
    path("pipeline/<str:code>/move/", views.move_view, name="move"),
    path("pipeline/<str:code>/columns/<int:stage>/", views.column_view, name="column"),
]
