"""Demo data for `make run`: a staff user (credentials printed) and a demo researcher. Idempotent.

The staff password is made once and kept in `var/admin-password` (mode 600), so every `make run` prints
the same one and a password staff set in admin is never reset.
"""

import os
import secrets
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import Language, Researcher, User


class Command(BaseCommand):
    help = "Create (or refresh) the demo staff user and demo researcher, and print how to use them."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument("--password", default="",
                            help="Set (and keep) this password. Default: the kept one, made at the first run.")

    @transaction.atomic
    def handle(self, *args, username, password, **options):
        password_file = Path(settings.VAR_DIR) / "admin-password"
        staff, created = User.objects.get_or_create(username=username, defaults={"email": "admin@example.org"})
        if password or not password_file.exists():
            password = password or secrets.token_urlsafe(12)
            self._keep(password_file, password)
            staff.set_password(password)
        else:
            password = password_file.read_text(encoding="utf-8").strip()
            if created:  # a fresh database beside an old var/: the kept password still opens admin
                staff.set_password(password)
        staff.is_staff = staff.is_superuser = True
        staff.save()

        demo_user, _created = User.objects.get_or_create(username="demo_researcher")
        if demo_user.has_usable_password():
            demo_user.set_unusable_password()
            demo_user.save()
        Researcher.objects.get_or_create(
            user=demo_user,
            defaults={"display_name": "演示研究者 Demo Researcher", "institution": "示例大学 Example University",
                      "language": Language.ZH_HANS, "orcid": "0000-0002-1825-0097"},
        )

        # The subscription-message templates the WeChat sandbox knows, unless staff already set their own.
        if not apps.get_model("notifications", "NotificationTemplate").objects.exists():
            call_command("loaddata", "subscription_templates", verbosity=0)

        web = f"http://127.0.0.1:{self._port()}"
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        self.stdout.write(f"  Admin:       {web}/admin/   user '{username}'  password '{password}' "
                          f"(kept in {password_file})")
        self.stdout.write(f"  API docs:    {web}/api/docs/")
        self.stdout.write(f"  Health:      {web}/healthz")
        self.stdout.write(f"  WeChat sandbox: {settings.WECHAT_API_BASE}")
        self.stdout.write("  Any login code works there: 'alice-1' and 'alice-2' are both WeChat user alice.")
        self.stdout.write(f"  Sent mail (linking codes): {settings.WECHAT_API_BASE}/__sandbox__/mail")
        self.stdout.write(f"  Sent subscription messages: {settings.WECHAT_API_BASE}/__sandbox__/wechat/messages")
        self.stdout.write("  Demo journal account to link: li.wei@example.org on 'Demo Press OJS'.")
        self.stdout.write("  Demo ORCID iD 0000-0002-1825-0097: prove it (POST /api/v1/me/orcid, open the "
                          "authorize_url, choose Wei Li at the sandbox's ORCID), then link 'Crossref' with it.")
        self.stdout.write(
            f"  Try a login: curl -s -X POST {web}/api/v1/auth/login "
            "-H 'Content-Type: application/json' -d '{\"code\": \"alice-1\"}'"
        )

    @staticmethod
    def _keep(password_file: Path, password: str) -> None:
        """Write the password readable by its owner only (the mode is set at creation, never after)."""
        password_file.parent.mkdir(parents=True, exist_ok=True)
        password_file.unlink(missing_ok=True)
        descriptor = os.open(password_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
            stream.write(password + "\n")

    @staticmethod
    def _port() -> str:
        return os.environ.get("PORT", "8000")
