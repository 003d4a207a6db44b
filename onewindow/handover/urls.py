"""HTML pages of the handover context (each path carries its own prefix; included at the root)."""

from django.urls import path

from onewindow.handover import views

app_name = "handover"
urlpatterns = [
    path("handovers/", views.agreement_list, name="agreements"),
    path("handovers/new/", views.agreement_new, name="agreement_new"),
    path("handovers/new/subitems/", views.agreement_subitems, name="agreement_subitems"),
    path("handovers/progress/", views.dashboard, name="dashboard"),
    path("handovers/<int:pk>/", views.agreement_detail, name="agreement"),
    path("handovers/<int:pk>/edit/", views.agreement_edit, name="agreement_edit"),
    path("handovers/<int:pk>/supersede/", views.agreement_supersede, name="agreement_supersede"),
    path("handovers/<int:pk>/sign/", views.agreement_sign, name="agreement_sign"),
    path("handovers/<int:pk>/withdraw/", views.agreement_withdraw, name="agreement_withdraw"),
    path("handovers/<int:pk>/agreement.pdf", views.agreement_pdf, name="agreement_pdf"),
    path("seals/", views.seal_list, name="seals"),
    path("seals/<int:pk>/void/", views.seal_void, name="seal_void"),
]
