"""The data hub's pages (under /datahub/); each also answers as JSON at the same path with `.json`."""

from django.urls import path

from . import views

urlpatterns = [
    path("imports/", views.imports, name="fact-imports"),
    path("imports.json", views.imports, {"as_json": True}, name="fact-imports-json"),
    path("imports/sample/", views.check_demo_file, name="fact-import-sample"),
    path("imports/sample/<str:name>", views.demo_file, name="fact-import-sample-file"),
    path("imports/check/<str:token>/", views.check, name="fact-import-check"),
    path("imports/check/<str:token>.json", views.check, {"as_json": True}, name="fact-import-check-json"),
    path("imports/confirm/", views.confirm, name="fact-import-confirm"),
    path("imports/discard/", views.discard, name="fact-import-discard"),
    path("batches/<int:pk>/", views.batch_detail, name="fact-batch"),
    path("batches/<int:pk>.json", views.batch_detail, {"as_json": True}, name="fact-batch-json"),
]
