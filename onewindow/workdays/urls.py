from django.urls import path

from onewindow.workdays import views

app_name = "workdays"
urlpatterns = [
    path("calendar/", views.calendar_years, name="calendar"),
    path("calendar/provisional/", views.calendar_provisional, name="calendar_provisional"),
    path("calendar/upload/", views.calendar_upload, name="calendar_upload"),
    path("calendar/<int:year>/", views.calendar_year, name="calendar_year"),
]
