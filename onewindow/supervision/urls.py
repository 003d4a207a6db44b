"""HTML pages of supervision (included at the root; each path carries its own prefix)."""

from django.urls import path

from onewindow.supervision import views

app_name = "supervision"
urlpatterns = [
    # The case page's reminder form keeps its address from when reminders lived in `cases`.
    path("cases/<str:number>/remind/", views.case_remind, name="case_remind"),
    path("supervision/reminders/", views.reminder_list, name="reminders"),
    path("supervision/reminders/<int:pk>/acknowledge/", views.reminder_acknowledge, name="acknowledge"),
]
