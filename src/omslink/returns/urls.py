"""Returns pages, mounted at /returns/."""

from django.urls import path

from omslink.returns import views

app_name = "returns"
urlpatterns = [
    path("", views.return_list, name="list"),
    path("receive/", views.return_scan, name="scan"),
    path("damaged/", views.damaged_report, name="damaged"),
    path("credit-notes/<path:number>.pdf", views.credit_note_document, name="credit_note_pdf"),
    path("<str:number>/", views.return_detail, name="detail"),
    path("<str:number>/receive/", views.return_receive, name="receive"),
]
