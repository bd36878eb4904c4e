from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "omslink.orders"
    label = "orders"
