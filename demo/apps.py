from django.apps import AppConfig


class DemoConfig(AppConfig):
    """`seed_demo`: coherent random demo data. It imports every app; nothing imports it."""

    name = "demo"
