from django.apps import AppConfig


class FulfilmentConfig(AppConfig):
    name = "omslink.fulfilment"
    label = "fulfilment"
