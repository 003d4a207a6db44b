"""HTML pages of supervision (included at the root; each path carries its own prefix)."""

from django.urls import path

from onewindow.supervision import views

app_name = "supervision"
urlpatterns = [
    # The case page's reminder form keeps its address from when reminders lived in `cases`.
    path("cases/<str:number>/remind/", views.case_remind, name="case_remind"),
    path("cases/<str:number>/supervise/", views.order_issue, name="order_issue"),
    path("supervision/board/", views.board, name="board"),
    path("supervision/board/<str:code>/remind/", views.board_remind, name="board_remind"),
    path("supervision/reminders/", views.reminder_list, name="reminders"),
    path("supervision/reminders/<int:pk>/acknowledge/", views.reminder_acknowledge, name="acknowledge"),
    path("supervision/orders/", views.order_list, name="orders"),
    path("supervision/orders/<int:pk>/", views.order_detail, name="order"),
    path("supervision/orders/<int:pk>/explain/", views.order_explain, name="order_explain"),
    path("supervision/orders/<int:pk>/review/", views.order_review, name="order_review"),
    path("supervision/orders/<int:pk>/notice.pdf", views.order_pdf, name="order_pdf"),
]
