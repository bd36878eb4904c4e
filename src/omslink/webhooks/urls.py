from django.urls import path

from omslink.webhooks import views

app_name = "webhooks"
urlpatterns = [
    path("deliveries/", views.delivery_list, name="deliveries"),
    path("deliveries/<int:delivery_id>/", views.delivery_detail, name="delivery"),
    path("deliveries/<int:delivery_id>/retry", views.delivery_retry, name="delivery_retry"),
    path("deliveries/<int:delivery_id>/abandon", views.delivery_abandon, name="delivery_abandon"),
    path("apps/<int:app_id>/abandon-held", views.oms_app_abandon_held, name="abandon_held"),
]
