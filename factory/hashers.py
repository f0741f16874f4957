"""Django's Argon2 hasher with a bound on how many hashes one process computes at once.

Each Argon2 hash takes ~100 MiB of memory and both cores for ~0.2 s (docs/hardening.md, "Cost
of sign-in"). gunicorn's gthread workers serve up to WEB_THREADS requests at once, so a burst of
sign-ins (or of wrong ones from many addresses) could allocate 100 MiB per thread of every worker.
Beyond PASSWORD_HASHING_SLOTS, a sign-in waits for a slot instead: nothing is refused and the
stored hashes are unchanged (same algorithm name and parameters).
"""

import threading

from django.conf import settings
from django.contrib.auth import hashers


class Argon2PasswordHasher(hashers.Argon2PasswordHasher):
    slots = threading.BoundedSemaphore(settings.PASSWORD_HASHING_SLOTS)

    def encode(self, password, salt):
        with self.slots:
            return super().encode(password, salt)

    def verify(self, password, encoded):
        with self.slots:
            return super().verify(password, encoded)
