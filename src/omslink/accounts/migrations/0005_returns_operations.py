"""Add the Returns operations (CONTRACT §8) and give them to the built-in roles.

The codenames are spelled out here rather than read from `core.operations`, so this step
means the same thing whenever it runs. Roles an administrator renamed or created keep what
they have; only the built-in roles that exist gain the new operations.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

RETURNS_OPERATIONS = {"returns_view", "returns_receive"}
GRANTED = {
    "Administrator": {"returns_view", "returns_receive"},
    "Warehouse": {"returns_view", "returns_receive"},
    "Viewer": {"returns_view"},
}


def grant(apps, schema_editor):
    accounts = apps.get_app_config("accounts")
    accounts.models_module = True
    create_permissions(accounts, apps=apps, verbosity=0)
    accounts.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTED.items():
        group = Group.objects.filter(name=name).first()
        if group is not None:
            group.permissions.add(
                *Permission.objects.filter(
                    content_type__app_label="accounts", codename__in=codenames
                )
            )


def revoke(apps, schema_editor):
    apps.get_model("auth", "Permission").objects.filter(
        content_type__app_label="accounts", codename__in=RETURNS_OPERATIONS
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_sign_in_throttle")]

    operations = [
        migrations.AlterModelOptions(
            name="role",
            options={
                "default_permissions": (),
                "permissions": [
                    ("oms_apps_view", "OMS Apps: View"),
                    ("oms_apps_add", "OMS Apps: Add app"),
                    ("oms_apps_edit", "OMS Apps: Edit application"),
                    ("api_keys_manage", "API keys: Manage"),
                    ("masters_view", "Masters: View"),
                    ("masters_edit", "Masters: Edit"),
                    ("stock_view", "Stock: View"),
                    ("stock_receive", "Stock: Receive"),
                    ("stock_adjust", "Stock: Adjust"),
                    ("wholesale_view", "Wholesale orders: View"),
                    ("wholesale_create", "Wholesale orders: Create"),
                    ("wholesale_dispatch", "Wholesale orders: Dispatch"),
                    ("wholesale_cancel", "Wholesale orders: Cancel"),
                    ("orders_view", "Online orders: View"),
                    ("orders_create_picklist", "Online orders: Create pick list"),
                    ("orders_confirm_picking", "Online orders: Confirm picking"),
                    ("orders_pack", "Online orders: Pack & invoice"),
                    ("orders_ship", "Online orders: Ship"),
                    ("orders_cancel", "Online orders: Cancel"),
                    ("webhooks_view", "Webhook deliveries: View"),
                    ("webhooks_retry", "Webhook deliveries: Retry"),
                    ("returns_view", "Returns: View"),
                    ("returns_receive", "Returns: Receive"),
                    ("roles_manage", "Roles and users: Manage"),
                ],
            },
        ),
        migrations.RunPython(grant, revoke),
    ]
