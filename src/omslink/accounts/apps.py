from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "omslink.accounts"
    label = "accounts"
