"""Fulfilment pages, mounted at /picklists/."""

from django.urls import path

from omslink.fulfilment import views

app_name = "fulfilment"
urlpatterns = [
    path("", views.picking_home, name="home"),
    path("create/", views.picklist_create, name="picklist_create"),
    path("<str:number>/", views.picklist_detail, name="picklist"),
    path("<str:number>/confirm/", views.picklist_confirm, name="picklist_confirm"),
    path("orders/<str:order_id>/", views.order_detail, name="order"),
    path("orders/<str:order_id>/pack/", views.order_pack, name="order_pack"),
    path("orders/<str:order_id>/ship/", views.order_ship, name="order_ship"),
    path("invoices/<path:number>.pdf", views.invoice_document, name="invoice_pdf"),
]
