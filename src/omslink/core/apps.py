from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "omslink.core"
    label = "core"
