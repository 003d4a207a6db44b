from django.urls import path

from onewindow.org import views

app_name = "org"
urlpatterns = [
    path("organisations/", views.organisation_list, name="organisations"),
    path("organisations/<slug:code>/", views.organisation_detail, name="organisation"),
    path("staff/", views.staff_list, name="staff"),
    path("stationings/", views.stationing_list, name="stationings"),
    path("notifications/", views.notifications, name="notifications"),
]
