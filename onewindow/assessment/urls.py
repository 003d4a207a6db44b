"""HTML pages of the assessment (included at the root)."""

from django.urls import path

from onewindow.assessment import views

app_name = "assessment"
urlpatterns = [
    path("assessments/", views.result_list, name="list"),
    path("assessments/run/", views.run, name="run"),
    path("assessments/ranking.xlsx", views.ranking, name="ranking"),
    path("assessments/year/", views.year, name="year"),
    path("assessments/schemes/", views.scheme_list, name="schemes"),
    path("assessments/schemes/<slug:kind>/new/", views.scheme_edit, name="scheme_edit"),
    path("assessments/people/<str:username>/", views.person, name="person"),
    path("assessments/<int:pk>/", views.result_detail, name="result"),
    path("assessments/<int:pk>/sheet.pdf", views.sheet, name="sheet"),
    path("assessments/<int:pk>/score/", views.score, name="score"),
    path("assessments/<int:pk>/<slug:action>/", views.step, name="step"),
]
