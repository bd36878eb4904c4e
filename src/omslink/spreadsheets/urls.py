"""The Imports pages, mounted at /imports/."""

from django.urls import path

from omslink.spreadsheets import views

app_name = "spreadsheets"
urlpatterns = [
    path("", views.import_list, name="list"),
    path("new/", views.import_start, name="start"),
    path("<int:job_id>/", views.import_job, name="job"),
    path("<int:job_id>/progress/", views.import_progress, name="progress"),
    path("<int:job_id>/errors.csv", views.import_errors, name="errors"),
    path("templates/<slug:kind>.<slug:fmt>", views.import_template, name="template"),
]
