from django.apps import AppConfig


class OmsSimulatorConfig(AppConfig):
    name = "omslink.oms_simulator"
    label = "oms_simulator"
