from django.urls import path

from omslink.masters import views

app_name = "masters"

urlpatterns = [
    path("", views.masters_home, name="home"),
    path("<slug:slug>/", views.master_list, name="list"),
]
