from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

app_name = "datahub-api"
router = SimpleRouter()
router.register("indicators", views.IndicatorViewSet)
router.register("validation-rules", views.ValidationRuleViewSet)
router.register("batches", views.ImportBatchViewSet)
router.register("targets", views.TargetViewSet)

urlpatterns = [
    path("facts/import/", views.FactFileImportView.as_view(), name="fact-import"),
    path("facts/records/", views.FactRecordsImportView.as_view(), name="fact-records"),
    *router.urls,
]
