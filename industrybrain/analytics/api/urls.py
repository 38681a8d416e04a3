from django.urls import path

from . import views

app_name = "analytics-api"
urlpatterns = [
    path("statistics/breakdown/", views.BreakdownView.as_view(), name="breakdown"),
    path("statistics/top/", views.TopEnterprisesView.as_view(), name="top"),
    path("statistics/trend/", views.TrendView.as_view(), name="trend"),
]
