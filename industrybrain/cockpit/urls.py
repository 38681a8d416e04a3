from django.urls import path

from . import views

urlpatterns = [
    path("cockpit/", views.home, name="cockpit"),
    path("cockpit.json", views.home, {"as_json": True}, name="cockpit-json"),
]
