from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "omslink.inventory"
    label = "inventory"

    def ready(self) -> None:
        # The relay merges stock changes into inventory.updated through the outbox's
        # coalescing registration; the outbox itself knows nothing of stock.
        from omslink.inventory.events import INVENTORY_UPDATES
        from omslink.webhooks.coalescing import coalesced_source_register

        coalesced_source_register(INVENTORY_UPDATES)
