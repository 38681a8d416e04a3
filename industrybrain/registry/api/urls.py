from rest_framework.routers import SimpleRouter

from . import views

# A namespace of its own: the pages already use names such as "enterprise-detail".
app_name = "registry-api"
router = SimpleRouter()
router.register("regions", views.RegionViewSet)
router.register("parks", views.ParkViewSet)
router.register("industries", views.IndustryViewSet)
router.register("digital-economy/versions", views.DigitalEconomyVersionViewSet)
router.register("digital-economy/categories", views.DigitalEconomyCategoryViewSet)
router.register("enterprises", views.EnterpriseViewSet)

urlpatterns = router.urls
