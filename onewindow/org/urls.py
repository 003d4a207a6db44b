from django.urls import path

from onewindow.org import admin_views, views

app_name = "org"
urlpatterns = [
    path("organisations/", views.organisation_list, name="organisations"),
    path("organisations/<slug:code>/", views.organisation_detail, name="organisation"),
    path("staff/", views.staff_list, name="staff"),
    path("stationings/", views.stationing_list, name="stationings"),
    path("notifications/", views.notifications, name="notifications"),
    # The three administrators' pages (三员分立).
    path("accounts/", admin_views.account_list, name="accounts"),
    path("accounts/new/", admin_views.account_create, name="account_create"),
    path("accounts/<str:username>/action/", admin_views.account_action, name="account_action"),
    path("roles/", admin_views.role_list, name="roles"),
    path("roles/<str:username>/", admin_views.role_change, name="role_change"),
    path("audit/", admin_views.audit_view, name="audit"),
]
