"""HTML pages of the staffing context (each path carries its own prefix; included at the root)."""

from django.urls import path

from onewindow.staffing import views

app_name = "staffing"
urlpatterns = [
    path("staffing/", views.overview, name="overview"),
    path("staffing/stationings/", views.stationing_list, name="stationings"),
    path("staffing/stationings/start/", views.stationing_start, name="stationing_start"),
    path("staffing/stationings/<int:pk>/end/", views.stationing_end, name="stationing_end"),
    path("staffing/changes/", views.change_list, name="changes"),
    path("staffing/schedule/", views.schedule, name="schedule"),
    path("staffing/schedule/day/", views.schedule_set, name="schedule_set"),
    path("staffing/schedule/rotation/", views.rotation, name="rotation"),
    path("staffing/qualifications/", views.qualification_list, name="qualifications"),
    path("staffing/qualifications/add/", views.qualification_add, name="qualification_add"),
    path("staffing/training/", views.training_list, name="training"),
    path("staffing/training/add/", views.training_add, name="training_add"),
    path("staffing/evaluations/", views.evaluation_day, name="evaluations"),
    path("staffing/evaluations/<str:username>/", views.evaluation_person, name="evaluation_person"),
]
