from django.apps import AppConfig


class ConnectedAppsConfig(AppConfig):
    name = "omslink.connected_apps"
    label = "connected_apps"
