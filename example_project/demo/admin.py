"""The example site's user admin, with django-sms2fa's two-factor section."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from django_sms2fa.admin import SMS2FAUserAdminMixin


class SiteUserAdmin(SMS2FAUserAdminMixin, UserAdmin):
    pass


admin.site.unregister(get_user_model())
admin.site.register(get_user_model(), SiteUserAdmin)
