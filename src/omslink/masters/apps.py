from django.apps import AppConfig


class MastersConfig(AppConfig):
    name = "omslink.masters"
    label = "masters"
