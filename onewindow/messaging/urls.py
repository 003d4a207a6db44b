from django.urls import path

from onewindow.messaging import views

app_name = "messaging"
urlpatterns = [
    path("messaging/outbox/", views.outbox, name="outbox"),
    path("messaging/outbox.csv", views.outbox_csv, name="outbox_csv"),
    path("messaging/outbox/<int:pk>/retry/", views.retry, name="retry"),
]
