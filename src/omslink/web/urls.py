from django.contrib.auth import views as auth_views
from django.urls import path

from omslink.accounts.views import SignInView, password_change
from omslink.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/password/", password_change, name="password_change"),
]
