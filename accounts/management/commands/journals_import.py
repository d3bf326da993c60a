"""python manage.py journals_import FILE.yaml — create or update journal systems and journals by key."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.journals_config import JournalsConfigError, journals_config_apply, journals_config_load


class Command(BaseCommand):
    help = "Create or update journal systems and their journals from a YAML file (idempotent, by key)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--check", action="store_true", help="Only check the file; change nothing.")

    def handle(self, *args, file: Path, check: bool, **options):
        try:
            systems = journals_config_load(file)
        except JournalsConfigError as exc:
            raise CommandError(f"{file}: {exc}") from exc
        journal_count = sum(len(system["journals"]) for system in systems)
        if check:
            self.stdout.write(self.style.SUCCESS(
                f"{file}: {len(systems)} journal systems, {journal_count} journals, OK."))
            return
        for system in systems:
            self.stdout.write(f"  {system['key']} ({system['platform']}, {len(system['journals'])} journals)")
        summary = journals_config_apply(systems)
        self.stdout.write(self.style.SUCCESS(
            f"Journal systems: {summary.systems_created} created, {summary.systems_updated} updated; "
            f"journals: {summary.journals_created} created, {summary.journals_updated} updated."
        ))
