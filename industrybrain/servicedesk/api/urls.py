from rest_framework.routers import SimpleRouter

from . import views

app_name = "servicedesk-api"
router = SimpleRouter()
router.register("servicedesk/categories", views.CategoryViewSet, basename="category")
router.register("servicedesk/requests", views.ServiceRequestViewSet, basename="request")

urlpatterns = router.urls
