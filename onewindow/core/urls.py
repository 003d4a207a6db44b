from django.urls import path

from onewindow.core import calendar_views

app_name = "core"
urlpatterns = [
    path("calendar/", calendar_views.calendar_years, name="calendar"),
    path("calendar/provisional/", calendar_views.calendar_provisional, name="calendar_provisional"),
    path("calendar/upload/", calendar_views.calendar_upload, name="calendar_upload"),
    path("calendar/<int:year>/", calendar_views.calendar_year, name="calendar_year"),
]
