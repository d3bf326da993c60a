"""Re-encrypt every encrypted column under the newest FIELD_ENCRYPTION_KEY (the first one)."""

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from publisher_backend.fields import EncryptedJSONField, EncryptedTextField


class Command(BaseCommand):
    help = "Re-encrypt all encrypted fields with the first key of FIELD_ENCRYPTION_KEY, so old keys can be dropped."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size, **options):
        total = 0
        for model in apps.get_models():
            names = [field.attname for field in model._meta.concrete_fields
                     if isinstance(field, EncryptedTextField | EncryptedJSONField)]
            if not names:
                continue
            primary_keys = list(model._base_manager.order_by("pk").values_list("pk", flat=True))
            for start in range(0, len(primary_keys), batch_size):
                batch = primary_keys[start:start + batch_size]
                with transaction.atomic():
                    # Reading decrypts with whichever key matches; writing encrypts with the first key.
                    for row in model._base_manager.filter(pk__in=batch).select_for_update().values("pk", *names):
                        model._base_manager.filter(pk=row["pk"]).update(**{name: row[name] for name in names})
                total += len(batch)
                self.stdout.write(f"{model._meta.label}: {start + len(batch)}/{len(primary_keys)} rows")
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted {total} rows."))
