"""`manage.py import_records <model> <file> [--dry-run] [--user NAME]`: the admin's import, from a shell."""

from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from factory.history import history_actor
from factory.imports import (
    FORMATS,
    RESOURCES,
    ImportFileError,
    lines_shown,
    result_errors,
    result_totals,
)


class Command(BaseCommand):
    help = (
        "Import customers, employees, products or suppliers from a CSV or XLSX file, through the "
        "same checks and services as the admin's import and the API. One transaction: a file with "
        "any bad row imports nothing (exit status 1, each row's error printed)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "model", choices=sorted(name for name in RESOURCES if name.endswith("s"))
        )
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--dry-run", action="store_true", help="check every row and write nothing"
        )
        parser.add_argument(
            "--user",
            help="username recorded as the author of the changes (default: the system itself)",
        )
        parser.add_argument(
            "--format", choices=sorted(FORMATS), help="default: from the file's extension"
        )

    def handle(self, *args, model, file, dry_run, user, format, **options):
        from accounts.services import SYSTEM

        actor = SYSTEM
        if user:
            actor = get_user_model().objects.filter(username=user, is_active=True).first()
            if actor is None:
                raise CommandError(f"No active user named {user!r}.")
        kind = format or file.suffix.lower().lstrip(".")
        if kind not in FORMATS:
            raise CommandError(f"{file.name}: say --format csv or --format xlsx.")
        try:
            if file.stat().st_size > settings.IMPORT_MAX_BYTES:  # refused before it is read
                data = file.open("rb").read(settings.IMPORT_MAX_BYTES + 1)
            else:
                data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"{file}: {exc.strerror}.") from None
        try:
            dataset = FORMATS[kind]().create_dataset(data)
        except ImportFileError as exc:
            raise CommandError(f"{file.name}: {exc}") from None

        with (
            history_actor(actor),
            tqdm(total=dataset.height, unit="row", disable=options["verbosity"] == 0) as bar,
        ):
            resource = RESOURCES[model](actor=actor, diff=False, progress=bar.update)
            result = resource.import_data(dataset, dry_run=dry_run)
        errors = result_errors(result)
        if errors:
            for line in lines_shown(errors, limit=200):
                self.stderr.write(line)
            raise CommandError(f"{file.name}: nothing was imported ({len(errors)} errors).")
        done = "would import" if dry_run else "imported"
        self.stdout.write(
            self.style.SUCCESS(f"{file.name}: {done} {result_totals(result)} {model}.")
        )
