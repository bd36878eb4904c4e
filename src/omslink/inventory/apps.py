from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "omslink.inventory"
    label = "inventory"
