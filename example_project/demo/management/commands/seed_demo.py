"""Create the demo users (idempotent)."""

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand

DEMO_USERS = [
    # username, password, phone, is_superuser
    ("demo", "demo-password", "09171234567", False),
    ("admin", "admin-password", "09189876543", True),
    # Staff without a phone: SMS2FA_REQUIRED = "staff" makes them enroll at sign-in.
    ("newbie", "newbie-password", None, False),
]


class Command(BaseCommand):
    help = "Create the demo users: 'demo' and 'admin' with confirmed phones, 'newbie' without."

    def handle(self, *args, **options):
        User = get_user_model()
        for username, password, phone, superuser in DEMO_USERS:
            user, _ = User.objects.get_or_create(username=username)
            user.set_password(password)
            user.is_staff = superuser or phone is None
            user.is_superuser = superuser
            user.save()
            if phone:
                call_command("sms2fa_enroll", username, phone, stdout=self.stdout)
        self.stdout.write(
            "Sign in as demo / demo-password, admin / admin-password, or newbie / newbie-password."
        )
