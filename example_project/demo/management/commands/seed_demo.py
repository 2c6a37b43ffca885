"""Create the demo users, each with a confirmed phone (idempotent)."""

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand

DEMO_USERS = [
    # username, password, phone, is_superuser
    ("demo", "demo-password", "09171234567", False),
    ("admin", "admin-password", "09189876543", True),
]


class Command(BaseCommand):
    help = "Create the demo users 'demo' and 'admin' with confirmed phones."

    def handle(self, *args, **options):
        User = get_user_model()
        for username, password, phone, superuser in DEMO_USERS:
            user, _ = User.objects.get_or_create(username=username)
            user.set_password(password)
            user.is_staff = user.is_superuser = superuser
            user.save()
            call_command("sms2fa_enroll", username, phone, stdout=self.stdout)
        self.stdout.write("Sign in as demo / demo-password or admin / admin-password.")
