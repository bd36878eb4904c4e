"""The Stock page, mounted at /stock/."""

from django.urls import path

from omslink.inventory import views

app_name = "inventory"
urlpatterns = [
    path("", views.stock, name="stock"),
    path("receipts/", views.receipt_create, name="receipt_create"),
    path("adjustments/", views.adjustment_create, name="adjustment_create"),
]
