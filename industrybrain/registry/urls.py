from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("regions/<str:code>/", views.region_detail, name="region-detail"),
    path("industries/", views.industry_list, name="industry-list"),
    path("digital-economy/", views.digital_economy, name="digital-economy"),
    path("enterprises/", views.enterprise_list, name="enterprise-list"),
    path("enterprises/<str:uscc>/", views.enterprise_detail, name="enterprise-detail"),
    path("export/<str:kind>.<str:file_format>", views.export, name="registry-export"),
    path("import/", views.registry_import, name="registry-import"),
    path("import/check/<str:token>/", views.registry_import_check, name="registry-import-check"),
    path("import/confirm/", views.registry_import_confirm, name="registry-import-confirm"),
    path("changes/", views.change_list, name="change-list"),
]
