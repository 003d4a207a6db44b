"""HTML pages of the cases context (each path carries its own prefix; included at the root).

The JSON API lives under /api/v1 (cases/api.py); these are the workbenches and the public pages.
"""

from django.urls import path

from onewindow.cases import views

app_name = "cases"
urlpatterns = [
    path("desk/accept/", views.accept_desk, name="accept"),
    path("desk/accept/search/", views.subitem_search, name="subitem_search"),
    path("cases/", views.case_list, name="list"),
    path("cases/export.xlsx", views.case_export, name="export"),
    path("cases/register.pdf", views.case_register, {"fmt": "pdf"}, name="register_pdf"),
    path("cases/register.xlsx", views.case_register, {"fmt": "xlsx"}, name="register_xlsx"),
    path("cases/<str:number>/", views.case_detail, name="case"),
    path("cases/<str:number>/actions/<slug:action>/", views.case_action, name="action"),
    path("cases/<str:number>/materials/<str:material>/files/", views.case_file_upload, name="file_upload"),
    path("cases/<str:number>/files/<int:file_id>", views.case_file, name="file"),
    path("cases/<str:number>/documents/<slug:kind>.pdf", views.case_document, name="document"),
    path("cases/<str:number>/documents/<slug:kind>/<int:index>.pdf", views.case_document, name="document_n"),
    path("issue/", views.issuance_desk, name="issuance"),
    path("public/progress/", views.public_progress, name="public_progress"),
    path("public/verify/", views.public_verify, name="public_verify"),
    path("public/results/<str:code>/", views.public_result, name="public_result"),
]
