"""Service-desk pages; every page also answers as JSON at the same path with `.json` (or `?format=json`)."""

from django.urls import path, re_path

from . import views

NUMBER = r"(?P<number>[A-Z0-9][A-Z0-9-]{2,31})"  # e.g. QH331082-2025-000001

urlpatterns = [
    path("", views.queue, name="servicedesk-queue"),
    path("index.json", views.queue, {"as_json": True}, name="servicedesk-queue-json"),
    re_path(r"^export\.(?P<file_format>xlsx|csv)$", views.export, name="servicedesk-export"),
    path("new/", views.new, name="servicedesk-new"),
    path("new.json", views.new, {"as_json": True}, name="servicedesk-new-json"),
    path("board/", views.board, name="servicedesk-board"),
    path("board.json", views.board, {"as_json": True}, name="servicedesk-board-json"),
    re_path(r"^board/export\.(?P<file_format>xlsx|csv)$", views.board_export, name="servicedesk-board-export"),
    re_path(rf"^{NUMBER}/$", views.detail, name="servicedesk-request"),
    re_path(rf"^{NUMBER}\.json$", views.detail, {"as_json": True}, name="servicedesk-request-json"),
    re_path(rf"^{NUMBER}/attachments/(?P<pk>\d+)/$", views.attachment, name="servicedesk-attachment"),
]
