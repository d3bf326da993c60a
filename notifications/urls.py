from django.urls import path

from notifications import api

urlpatterns = [
    path("notifications", api.InboxView.as_view(), name="notifications"),
    path("notifications/unread-count", api.UnreadCountView.as_view(), name="notifications-unread-count"),
    path("notifications/subscriptions", api.SubscriptionsView.as_view(), name="notifications-subscriptions"),
    path("notifications/preferences", api.PreferencesView.as_view(), name="notifications-preferences"),
    path("notifications/read-all", api.MarkAllReadView.as_view(), name="notifications-read-all"),
    path("notifications/<int:notification_id>/read", api.MarkReadView.as_view(), name="notification-read"),
]
