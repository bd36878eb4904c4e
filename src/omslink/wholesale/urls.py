"""Wholesale pages, mounted at /wholesale/."""

from django.urls import path

from omslink.wholesale import views

app_name = "wholesale"
urlpatterns = [
    path("", views.wholesale_list, name="list"),
    path("create/", views.wholesale_create, name="create"),
    path("<str:number>/", views.wholesale_detail, name="detail"),
    path("<str:number>/dispatch/", views.wholesale_dispatch, name="dispatch"),
    path("<str:number>/cancel/", views.wholesale_cancel, name="cancel"),
]
