"""URL map: the HTML UI, the JSON API under /api/v1, the admin for the system administrator."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from onewindow import views
from onewindow.api import api
from onewindow.core import health

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("accounts/", include("onewindow.org.security_urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("org/", include("onewindow.org.urls")),
    path("", include("onewindow.catalogue.urls")),
    path("", include("onewindow.handover.urls")),
    path("", include("onewindow.staffing.urls")),
    path("", include("onewindow.cases.urls")),
    path("", include("onewindow.ratings.urls")),
    path("", include("onewindow.supervision.urls")),
    path("", include("onewindow.assessment.urls")),
    path("", include("onewindow.workdays.urls")),
    path("", include("onewindow.stats.urls")),
    path("", include("onewindow.messaging.urls")),
]

if settings.ONEWINDOW_BENCH_FLOOR:  # only in the server `onewindow bench cases` starts
    from onewindow.site.floor import floor

    urlpatterns.append(path("bench/floor", floor))

handler404 = "onewindow.views.not_found"
handler500 = "onewindow.views.server_error"
