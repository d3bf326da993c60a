"""Publisher news (campaigns) stops being a subscription-message kind: WeChat forbids marketing there.

Its template (if staff configured one), the consent credits counted for it and its stale switch in researchers'
preferences go; notices of kind "campaign" stay in the inbox as they are, and those still waiting for the sender
are settled as inbox-only (never sent).
"""

from django.db import migrations, models
from django.utils import timezone

CAMPAIGN = "campaign"


def drop_campaign_subscriptions(apps, schema_editor):
    NotificationTemplate = apps.get_model("notifications", "NotificationTemplate")
    SubscriptionGrant = apps.get_model("notifications", "SubscriptionGrant")
    NotificationPreference = apps.get_model("notifications", "NotificationPreference")
    Notification = apps.get_model("notifications", "Notification")

    template_ids = list(NotificationTemplate.objects.filter(kind=CAMPAIGN).values_list("template_id", flat=True))
    SubscriptionGrant.objects.filter(template_id__in=template_ids).delete()
    NotificationTemplate.objects.filter(kind=CAMPAIGN).delete()
    Notification.objects.filter(kind=CAMPAIGN, state__in=["pending", "retry"]).update(
        state="skipped", settled_at=timezone.now(), error="inbox only", credit_spent=False)
    # A text match narrows the rows on every database (JSON containment is PostgreSQL-only); the list decides.
    for preference in NotificationPreference.objects.filter(disabled_kinds__icontains=CAMPAIGN).iterator():
        if CAMPAIGN in preference.disabled_kinds:
            preference.disabled_kinds = [kind for kind in preference.disabled_kinds if kind != CAMPAIGN]
            preference.save(update_fields=["disabled_kinds"])


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0007_template_kind_fapiao_ready'),
    ]

    operations = [
        migrations.RunPython(drop_campaign_subscriptions, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='notificationtemplate',
            name='kind',
            field=models.CharField(choices=[('status_changed', 'Manuscript status changed'), ('payment_due', 'Payment due'), ('payment_received', 'Payment received'), ('refund_done', 'Refund done'), ('account_linked', 'Journal account linked'), ('fapiao_ready', 'Fapiao ready')], max_length=32, unique=True, verbose_name='event kind'),
        ),
    ]
