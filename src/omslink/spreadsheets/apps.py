from django.apps import AppConfig


class SpreadsheetsConfig(AppConfig):
    name = "omslink.spreadsheets"
    label = "spreadsheets"
