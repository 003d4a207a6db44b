"""HTML pages of 好差评 (included at the root)."""

from django.urls import path

from onewindow.ratings import views

app_name = "ratings"
urlpatterns = [
    path("public/rating/", views.public_rate, name="public_rate"),
    path("ratings/", views.rating_list, name="list"),
    path("ratings/counter/", views.counter, name="counter"),
    path("rectifications/", views.rectification_list, name="rectifications"),
    path("rectifications/<int:pk>/", views.rectification_detail, name="rectification"),
    path("rectifications/<int:pk>/<slug:action>/", views.rectification_action, name="rectification_action"),
]
