from django.urls import path

from manuscripts import api

urlpatterns = [
    path("journal-accounts", api.JournalAccountListView.as_view(), name="journal-accounts"),
    path("journal-accounts/<int:account_id>", api.JournalAccountDetailView.as_view(), name="journal-account"),
    path("journal-accounts/<int:account_id>/verify", api.JournalAccountVerifyView.as_view()),
    path("journal-accounts/<int:account_id>/resend", api.JournalAccountResendView.as_view()),
    path("journal-accounts/<int:account_id>/manual-review", api.JournalAccountManualReviewView.as_view()),
    path("journal-accounts/<int:account_id>/refresh", api.JournalAccountRefreshView.as_view()),
    path("manuscripts", api.ManuscriptListView.as_view(), name="manuscripts"),
    path("manuscripts/<int:manuscript_id>", api.ManuscriptDetailView.as_view(), name="manuscript"),
]
