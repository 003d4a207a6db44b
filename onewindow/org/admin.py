from django.contrib import admin

from onewindow.org.models import Hall, Organisation, OrganisationAlias, Region, Staff, Stationing, Window


class AliasInline(admin.TabularInline):
    model = OrganisationAlias
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "credit_code", "region")
    list_filter = ("kind", "region")
    search_fields = ("code", "name", "aliases__name")
    inlines = [AliasInline]


@admin.register(Staff)
class StaffAdmin(admin.ModelAdmin):
    list_display = ("user", "full_name", "organisation", "window")
    list_filter = ("organisation",)
    search_fields = ("user__username", "full_name")


@admin.register(Window)
class WindowAdmin(admin.ModelAdmin):
    list_display = ("number", "kind", "hall", "active")
    list_filter = ("kind", "hall")


admin.site.register(Region)
admin.site.register(Hall)
admin.site.register(Stationing)
