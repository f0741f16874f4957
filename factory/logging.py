"""Logging pieces named in settings.LOGGING."""

import logging


class SuspiciousOperationAsWarning(logging.Filter):
    """Django's `django.security.*` records (a SuspiciousOperation answered 400) as one warning line.

    Django logs each at ERROR with the exception's traceback: 1,001 query parameters or a
    forged Host header is the client's fault, not a bug, and must not fill the error log.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("django.security."):
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.exc_info = record.exc_text = record.stack_info = None
        return True
