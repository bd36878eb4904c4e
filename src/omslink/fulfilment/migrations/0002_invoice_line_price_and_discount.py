from decimal import Decimal

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("fulfilment", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="invoiceline",
            name="unit_price",
            field=models.DecimalField(decimal_places=2, default=Decimal("0.00"), max_digits=12),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="invoiceline",
            name="discount",
            field=models.DecimalField(decimal_places=2, default=Decimal("0.00"), max_digits=12),
            preserve_default=False,
        ),
    ]
