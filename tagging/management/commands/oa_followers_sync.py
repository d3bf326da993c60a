"""python manage.py oa_followers_sync

Re-reads every follower of the publisher's Official Account from WeChat (what the nightly task does), showing
progress, and ends with a summary line."""

from django.core.management.base import BaseCommand, CommandError

from tagging.services.official_account import oa_followers_rematch, oa_followers_sync
from tagging.wechat_oa import OaError, oa_enabled


class Command(BaseCommand):
    help = "Sync the Official Account's followers (openid, unionid, researcher, subscribed) from WeChat."

    def handle(self, *args, **options):
        if not oa_enabled():
            raise CommandError("The Official Account is not configured: set WECHAT_OA_APP_ID, WECHAT_OA_APP_SECRET "
                               "and WECHAT_OA_TOKEN.")

        def progress(done: int, total: int) -> None:
            self.stdout.write(f"  {done}/{total} followers read")

        try:
            report = oa_followers_sync(progress=progress)
        except OaError as error:
            raise CommandError(f"WeChat: {error.message} ({error.errcode}: {error.errmsg})") from error
        rematched = oa_followers_rematch()
        self.stdout.write(self.style.SUCCESS(
            f"Synced {report.listed} followers: {report.created} new, {report.updated} updated, "
            f"{report.matched} matched to researchers (+{rematched} rematched), {report.unfollowed} marked unfollowed, "
            f"{report.skipped_newer} left to newer events."))
