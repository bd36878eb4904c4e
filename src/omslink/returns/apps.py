from django.apps import AppConfig


class ReturnsConfig(AppConfig):
    name = "omslink.returns"
    label = "returns"
