"""Create the operation permissions and the three built-in roles (CONTRACT §8).

The roles are spelled out as they were when this migration was written, not read from
`omslink.core.operations`: a migration must do the same thing on every database whenever it
runs, so a later change to the built-in roles needs a migration of its own.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

BUILT_IN_ROLES = {
    "Administrator": (
        "oms_apps_view",
        "oms_apps_add",
        "oms_apps_edit",
        "api_keys_manage",
        "masters_view",
        "masters_edit",
        "stock_view",
        "stock_receive",
        "stock_adjust",
        "wholesale_view",
        "wholesale_create",
        "wholesale_dispatch",
        "wholesale_cancel",
        "orders_view",
        "orders_create_picklist",
        "orders_confirm_picking",
        "orders_pack",
        "orders_ship",
        "orders_cancel",
        "webhooks_view",
        "webhooks_retry",
        "roles_manage",
    ),
    "Warehouse": (
        "stock_view",
        "stock_receive",
        "stock_adjust",
        "wholesale_view",
        "wholesale_create",
        "wholesale_dispatch",
        "wholesale_cancel",
        "orders_view",
        "orders_create_picklist",
        "orders_confirm_picking",
        "orders_pack",
        "orders_ship",
        "orders_cancel",
    ),
    "Viewer": (
        "oms_apps_view",
        "masters_view",
        "stock_view",
        "wholesale_view",
        "orders_view",
        "webhooks_view",
    ),
}


def create_roles(apps, schema_editor):
    # Permissions normally appear after migrate (post_migrate); the roles need them now.
    accounts = apps.get_app_config("accounts")
    accounts.models_module = True
    create_permissions(accounts, apps=apps, verbosity=0)
    accounts.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in BUILT_IN_ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(
            Permission.objects.filter(content_type__app_label="accounts", codename__in=codenames)
        )


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=list(BUILT_IN_ROLES)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
