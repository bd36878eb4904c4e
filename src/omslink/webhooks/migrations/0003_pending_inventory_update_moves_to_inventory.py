"""PendingInventoryUpdate now belongs to inventory (its table and rows moved in
`inventory.0002`); the outbox only forgets the model here."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("webhooks", "0002_delivery_lease"),
        ("inventory", "0002_pending_inventory_update_moves_here"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="PendingInventoryUpdate")],
            database_operations=[],
        ),
    ]
