"""Evaluation pages; every page also answers as JSON at the same path with `.json` (or `?format=json`)."""

from django.urls import path, re_path

from . import views

ENTITY = r"(?P<entity_id>[0-9A-Za-z_-]+)"  # a USCC or a region code

urlpatterns = [
    path("", views.index, name="evaluation-index"),
    path("index.json", views.index, {"as_json": True}, name="evaluation-index-json"),
    path("runs/<int:pk>/", views.run_detail, name="evaluation-run"),
    path("runs/<int:pk>.json", views.run_detail, {"as_json": True}, name="evaluation-run-json"),
    re_path(r"^runs/(?P<pk>\d+)/export\.(?P<file_format>xlsx|csv)$", views.export, name="evaluation-export"),
    re_path(rf"^runs/(?P<pk>\d+)/{ENTITY}/$", views.entity_detail, name="evaluation-entity"),
    re_path(
        rf"^runs/(?P<pk>\d+)/{ENTITY}\.json$", views.entity_detail, {"as_json": True}, name="evaluation-entity-json"
    ),
    re_path(rf"^runs/(?P<pk>\d+)/{ENTITY}/what-if/$", views.what_if, name="evaluation-what-if"),
    re_path(
        rf"^runs/(?P<pk>\d+)/{ENTITY}/what-if\.json$", views.what_if, {"as_json": True}, name="evaluation-what-if-json"
    ),
]
