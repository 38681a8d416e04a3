from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

app_name = "accounts-api"
router = SimpleRouter()
router.register("changes", views.ObjectChangeViewSet)

urlpatterns = [path("me/", views.MeView.as_view(), name="me"), *router.urls]
