"""/accounts/: login (password, second factor, new password), logout, and each person's own security pages."""

from django.contrib.auth import views as auth_views
from django.urls import path

from onewindow.org import security_views

urlpatterns = [
    path("login/", security_views.login_view, name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("login/verify/", security_views.verify_view, name="account_verify"),
    path("two-factor/", security_views.two_factor_view, name="account_two_factor"),
    path("password/", security_views.password_view, name="account_password"),
]
