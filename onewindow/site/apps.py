from django.apps import AppConfig


class SiteConfig(AppConfig):
    """No models: it only lets Django find the composition root's management commands."""

    name = "onewindow.site"
    label = "site"
