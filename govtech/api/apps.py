from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "govtech.api"
    label = "govtech_api"
    verbose_name = "API"
