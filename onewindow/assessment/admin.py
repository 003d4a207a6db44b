"""The admin site shows assessment results read-only: nothing is changed or deleted there (rule 20)."""

from django.contrib import admin

from onewindow.assessment.models import Result


@admin.register(Result)
class ResultAdmin(admin.ModelAdmin):
    list_display = ("period", "subject_kind", "subject_staff", "subject_department", "status", "total")
    list_filter = ("status", "subject_kind")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
