from django.urls import path

from onewindow.stats import views

app_name = "stats"
urlpatterns = [
    path("stats/", views.statistics, name="cases"),
    path("stats/export.xlsx", views.statistics_export, name="export"),
    path("lobby/", views.lobby, name="lobby"),
]
