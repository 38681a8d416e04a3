from django.urls import path, re_path

from . import views

urlpatterns = [
    path("cockpit/", views.home, name="cockpit"),
    path("cockpit.json", views.home, {"as_json": True}, name="cockpit-json"),
    path("cockpit/map/", views.region_map, name="cockpit-map"),
    path("cockpit/map.json", views.region_map, {"as_json": True}, name="cockpit-map-json"),
    re_path(r"^cockpit/map/geo/(?P<key>\d{6}(?:-counties)?)\.json$", views.boundaries, name="cockpit-map-geo"),
    path("cockpit/enterprise/<str:uscc>/", views.enterprise_360, name="cockpit-enterprise"),
    path("cockpit/enterprise/<str:uscc>.json", views.enterprise_360, {"as_json": True}, name="cockpit-enterprise-json"),
]
