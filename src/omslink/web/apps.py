from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "omslink.web"
    label = "web"
