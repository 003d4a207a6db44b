"""HTML pages of the catalogue context (each path carries its own prefix; included at the root)."""

from django.urls import path

from onewindow.catalogue import views

app_name = "catalogue"
urlpatterns = [
    path("catalogue/", views.subitem_list, name="list"),
    path("catalogue/changes/", views.guide_changes, name="changes"),
    path("catalogue/import/", views.import_upload, name="import"),
    path("catalogue/import/<int:pk>/", views.import_job, name="import_job"),
    path("catalogue/export.<str:fmt>", views.export_file, name="export"),
    path("catalogue/<str:code>/", views.subitem_detail, name="detail"),
    path("catalogue/<str:code>/draft/", views.guide_draft, name="guide_draft"),
    path("catalogue/<str:code>/guide/<int:version>/", views.guide_edit, name="guide_edit"),
    # Public, login-free: what an applicant reads before coming to the hall.
    path("guide/", views.public_index, name="public_index"),
    path("guide/<str:code>/", views.public_guide, name="public_guide"),
]
