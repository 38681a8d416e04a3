from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/", include("industrybrain.registry.api.urls")),
    path("api/", include("industrybrain.accounts.api.urls")),
    path("api/", include("industrybrain.datahub.api.urls")),
    path("api/", include("industrybrain.analytics.api.urls")),
    path("api/", include("industrybrain.evaluations.api.urls")),
    path("api/", include("industrybrain.servicedesk.api.urls")),
    path("open311/v2/", include("industrybrain.servicedesk.open311_urls")),
    path("admin/", admin.site.urls),
    path("accounts/", include("industrybrain.accounts.urls")),
    path("evaluations/", include("industrybrain.evaluations.urls")),
    path("servicedesk/", include("industrybrain.servicedesk.urls")),
    path("datahub/", include("industrybrain.datahub.urls")),
    path("", include("industrybrain.cockpit.urls")),
    path("", include("industrybrain.registry.urls")),
]
