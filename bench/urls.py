"""The project's URLs and the framework floor's bare page (bench.floor)."""

from django.urls import path

from bench.floor import floor_page
from config.urls import urlpatterns as project_urls

urlpatterns = [*project_urls, path("bench/floor/", floor_page, name="bench_floor")]
