"""Demo data for `make run`: a staff user (credentials printed) and a demo researcher. Idempotent."""

import os
import secrets

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
        parser.add_argument("--password", default="", help="Default: a new random password each run.")

    @transaction.atomic
    def handle(self, *args, username, password, **options):
        password = password or secrets.token_urlsafe(9)
        staff, _created = User.objects.get_or_create(username=username, defaults={"email": "admin@example.org"})
        staff.is_staff = staff.is_superuser = True
        staff.set_password(password)
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
        self.stdout.write(f"  Admin:       {web}/admin/   user '{username}'  password '{password}'")
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
    def _port() -> str:
        return os.environ.get("PORT", "8000")
