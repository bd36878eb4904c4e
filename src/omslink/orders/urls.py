from django.urls import path  # noqa: F401 - pages of this domain are added here

urlpatterns: list = []
