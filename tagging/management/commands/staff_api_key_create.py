"""python manage.py staff_api_key_create NAME --scopes researchers:read,tags:write

Prints the new key on its last line; it is shown once (only its hash is stored)."""

from django.core.management.base import BaseCommand, CommandError

from tagging.models import ApiScope
from tagging.services.staff_api import UnknownScope, api_key_create


class Command(BaseCommand):
    help = "Create a staff API key for another system; prints the key (shown once) on the last line."

    def add_arguments(self, parser):
        parser.add_argument("name", help="Which system uses the key, e.g. CRM.")
        parser.add_argument("--scopes", required=True,
                            help="Comma-separated, from: " + ", ".join(ApiScope.values))

    def handle(self, *args, name: str, scopes: str, **options):
        wanted = [scope.strip() for scope in scopes.split(",") if scope.strip()]
        if not wanted:
            raise CommandError("Give at least one scope with --scopes.")
        try:
            key, raw_key = api_key_create(name=name, scopes=wanted)
        except UnknownScope as exc:
            raise CommandError(f"Unknown scope(s): {exc}. Known: {', '.join(ApiScope.values)}") from exc
        self.stderr.write(f"Created key {key.pk} '{key.name}' with scopes {', '.join(key.scopes)}. "
                          "Store it now: it is not shown again.")
        self.stdout.write(raw_key)
