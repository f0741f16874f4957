import random
import time

from django.core.management.base import BaseCommand

from accounts.demo import DEMO_LOGINS, demo_logins_ensure
from accounts.models import User
from accounts.services import SYSTEM
from customers.models import Customer
from demo.seed import SIZES, seed
from factory.history import history_actor
from products.models import Product


class Command(BaseCommand):
    help = "Fill the database with coherent random demo data and print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--size", choices=sorted(SIZES), default="small")
        parser.add_argument(
            "--seed", type=int, default=1, help="random seed (same seed, same data)"
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing (but print the logins) when the database already has products or customers",
        )

    def handle(self, *args, size, seed: int, if_empty: bool, **options):
        with history_actor(SYSTEM):  # the change history's `by`: null (docs/history.md)
            self._handle(size=size, seed=seed, if_empty=if_empty)

    def _handle(self, *, size, seed: int, if_empty: bool):
        passwords = demo_logins_ensure()
        if if_empty and (Product.objects.exists() or Customer.objects.exists()):
            self.stdout.write("Demo data already present; nothing added.")
        else:
            started = time.monotonic()
            counts = seed_data(size=size, rng=random.Random(seed))  # noqa: S311 -- demo data, not secrets
            summary = ", ".join(f"{count:,} {label}" for label, count in counts.items())
            self.stdout.write(
                self.style.SUCCESS(
                    f"Seeded '{size}' in {time.monotonic() - started:.0f}s: {summary}."
                )
            )
        self.stdout.write(self.style.SUCCESS("Demo logins (also in .demo-logins):"))
        for username, password in passwords.items():
            self.stdout.write(f"  {username:<6} / {password}   (role {DEMO_LOGINS[username]})")


def seed_data(*, size, rng):
    return seed(size=size, rng=rng, user=User.objects.get(username="admin"))
