"""Migrate, seed the demo users and run the development server."""

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Prepare the SQLite database, seed the demo users, and run the server."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, addrport, **options):
        call_command("migrate", verbosity=0)
        call_command("seed_demo", stdout=self.stdout)
        call_command("runserver", addrport, use_reloader=False)
