from django.apps import AppConfig


class WholesaleConfig(AppConfig):
    name = "omslink.wholesale"
    label = "wholesale"
