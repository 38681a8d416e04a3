from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from . import views

app_name = "evaluations-api"
router = SimpleRouter()
router.register("evaluations/specs", views.EvaluationSpecViewSet, basename="evaluation-spec")
router.register("evaluations/runs", views.EvaluationRunViewSet, basename="evaluation-run")

urlpatterns = [
    path("evaluations/compare/", views.CompareView.as_view(), name="compare"),
    path("evaluations/runs/<int:pk>/export/", views.ExportView.as_view(), name="export"),
    re_path(
        r"^evaluations/runs/(?P<pk>\d+)/export\.(?P<file_format>xlsx|csv)$",
        views.ExportFileView.as_view(),
        name="export-file",
    ),
    *router.urls,
]
