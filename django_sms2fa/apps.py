from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SMS2FAConfig(AppConfig):
    name = "django_sms2fa"
    label = "sms2fa"
    verbose_name = _("SMS two-factor authentication")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks, checks_site, receivers  # noqa: F401  (registers checks, receivers)

        receivers.connect()
