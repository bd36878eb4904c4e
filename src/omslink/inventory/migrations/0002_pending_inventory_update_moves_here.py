"""PendingInventoryUpdate moves from webhooks to inventory, which writes and flushes it.

The table is renamed, not re-created, so marks still pending when the upgrade runs are kept
and flushed by the next relay. `webhooks.0003` forgets the model on its side.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("inventory", "0001_initial"),
        ("masters", "0001_initial"),
        ("webhooks", "0002_delivery_lease"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="PendingInventoryUpdate",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("marked_at", models.DateTimeField()),
                        (
                            "item",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="masters.item",
                            ),
                        ),
                        (
                            "site",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="masters.site",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "webhooks_pendinginventoryupdate",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("site", "item"), name="one_pending_update_per_item"
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        # The rows stay; only the table's name follows the model to its app.
        migrations.AlterModelTable(name="pendinginventoryupdate", table=None),
    ]
