from django.core.management.base import BaseCommand

from events.jobs import events_purge, work


class Command(BaseCommand):
    help = (
        "Run one round of the worker's event jobs in this process: every due webhook delivery and "
        "low-stock e-mail (and, with --purge, the retention purge). The worker (`qcluster`) does "
        "this by itself; this is for scripts, cron without a worker, and checking a setup."
    )

    def add_arguments(self, parser):
        parser.add_argument("--purge", action="store_true", help="also purge old events")

    def handle(self, *args, purge=False, **options):
        done = work(limit=10_000)
        self.stdout.write(f"Attempted {done['deliveries']} deliveries and {done['alerts']} alerts.")
        if purge:
            self.stdout.write(f"Purged {events_purge()} old events.")
