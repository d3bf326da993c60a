from django.urls import path

from accounts import api

urlpatterns = [
    path("auth/login", api.LoginView.as_view(), name="auth-login"),
    path("auth/logout", api.LogoutView.as_view(), name="auth-logout"),
    path("me", api.MeView.as_view(), name="me"),
    path("me/export", api.MeExportView.as_view(), name="me-export"),
    path("me/privacy-consent", api.MePrivacyConsentView.as_view(), name="me-privacy-consent"),
    path("me/orcid", api.MeOrcidView.as_view(), name="me-orcid"),
    path("journal-systems", api.JournalSystemListView.as_view(), name="journal-systems"),
]
