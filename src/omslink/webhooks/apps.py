from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "omslink.webhooks"
    label = "webhooks"
