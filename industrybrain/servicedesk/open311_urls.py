"""Open311 GeoReport v2 under /open311/v2/: every resource as `.json` or `.xml`."""

from django.urls import re_path

from . import open311

FORMAT = r"\.(?P<format>json|xml)$"

app_name = "open311"
urlpatterns = [
    re_path(rf"^services{FORMAT}", open311.ServicesView.as_view(), name="services"),
    re_path(rf"^services/(?P<service_code>[\w-]+){FORMAT}", open311.ServiceDefinitionView.as_view(), name="service"),
    re_path(rf"^requests{FORMAT}", open311.RequestsView.as_view(), name="requests"),
    re_path(rf"^requests?/(?P<service_request_id>[\w-]+){FORMAT}", open311.RequestView.as_view(), name="request"),
    re_path(rf"^tokens/(?P<token>[\w-]+){FORMAT}", open311.TokenView.as_view(), name="token"),
]
