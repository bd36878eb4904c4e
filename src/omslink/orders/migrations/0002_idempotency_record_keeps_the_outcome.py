"""An Idempotency-Key record keeps whether the first push created the order, not an HTTP status.

Stored answers keep their meaning: 201 was a new order, 200 one stored already.
"""

from django.db import migrations, models


def status_to_outcome(apps, schema_editor):
    records = apps.get_model("orders", "IdempotencyRecord").objects
    records.filter(response_status=201).update(created=True)


def outcome_to_status(apps, schema_editor):
    records = apps.get_model("orders", "IdempotencyRecord").objects
    records.filter(created=True).update(response_status=201)


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="idempotencyrecord",
            name="created",
            field=models.BooleanField(default=False),
        ),
        # Going back, the status column returns as 200 and the new orders are marked 201.
        migrations.AlterField(
            model_name="idempotencyrecord",
            name="response_status",
            field=models.PositiveSmallIntegerField(default=200),
        ),
        migrations.RunPython(status_to_outcome, outcome_to_status),
        migrations.RemoveField(
            model_name="idempotencyrecord",
            name="response_status",
        ),
    ]
