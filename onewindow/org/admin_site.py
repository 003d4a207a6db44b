"""The Django admin belongs to the system administrator alone (三员分立: no business data there)."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _

from onewindow.org import roles as r


class OneWindowAdminSite(admin.AdminSite):
    site_header = _("OneWindow system administration")
    site_title = _("OneWindow administration")
    index_title = _("Configuration")

    def has_permission(self, request):
        return request.user.is_active and r.has_role(request.user, r.SYSADMIN)


class OneWindowAdminConfig(AdminConfig):
    default_site = "onewindow.org.admin_site.OneWindowAdminSite"
