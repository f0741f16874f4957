from django.core.management.base import BaseCommand

from accounts.demo import DEMO_LOGINS, demo_logins_ensure


class Command(BaseCommand):
    help = "Create the demo logins (admin, clerk) if missing and print them."

    def handle(self, *args, **options):
        passwords = demo_logins_ensure()
        self.stdout.write(self.style.SUCCESS("Demo logins (also in .demo-logins):"))
        for username, password in passwords.items():
            self.stdout.write(f"  {username:<6} / {password}   (role {DEMO_LOGINS[username]})")
        self.stdout.write(
            "  Admin: http://127.0.0.1:8000/admin/   API docs: http://127.0.0.1:8000/api/docs/"
        )
