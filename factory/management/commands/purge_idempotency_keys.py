from django.core.management.base import BaseCommand

from factory.api.idempotency import idempotency_purge


class Command(BaseCommand):
    help = (
        "Delete Idempotency-Key records older than 24 hours (run daily, like flushexpiredtokens)."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"Deleted {idempotency_purge()} expired idempotency records.")
