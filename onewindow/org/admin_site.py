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

    def login(self, request, extra_context=None):
        # One login for the whole site (lockout, second factor, audit): the admin's own form only explains.
        from django.contrib.auth.views import redirect_to_login

        if request.method == "POST" or not request.user.is_authenticated:
            return redirect_to_login(request.GET.get("next") or "/admin/")
        return super().login(request, extra_context)


class OneWindowAdminConfig(AdminConfig):
    default_site = "onewindow.org.admin_site.OneWindowAdminSite"

    def ready(self):
        super().ready()
        # Accounts and roles are kept on the administrators' own pages (org.admin_views), never by
        # Django's user and group forms, which could grant superuser status or any permission.
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group

        for model in (get_user_model(), Group):
            if admin.site.is_registered(model):
                admin.site.unregister(model)
