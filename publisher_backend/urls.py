from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts import views as account_views
from payments import views as payment_views
from publisher_backend.health import healthz
from tagging.callbacks import oa_callback

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    # Proving an ORCID iD: pages the Mini Program opens in a web-view (accounts.orcid).
    path("orcid/start", account_views.orcid_start, name="orcid-start"),
    path("orcid/callback", account_views.orcid_callback, name="orcid-callback"),
    # A printable receipt behind a signed, short-lived link (payments.selectors.documents).
    path("receipts/<str:token>", payment_views.receipt_page, name="receipt-page"),
    # The publisher's Official Account: WeChat's event callback (tagging.callbacks).
    path("wechat/oa/callback", oa_callback, name="wechat-oa-callback"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/v1/", include("accounts.urls")),
    path("api/v1/", include("manuscripts.urls")),
    path("api/v1/", include("notifications.urls")),
    path("api/v1/", include("payments.urls")),
    path("api/v1/", include("tagging.urls")),
    path("api/v1/", include("sharing.urls")),
    path("api/v1/", include("editorial.urls")),
]

handler400 = "publisher_backend.errors.handler400"
handler404 = "publisher_backend.errors.handler404"
handler500 = "publisher_backend.errors.handler500"

admin.site.site_header = "Scholar Link"
admin.site.site_title = "Scholar Link"
# The index also lists the optional integrations that are switched off (publisher_backend/integrations.py).
admin.site.index_template = "admin/scholar_link_index.html"
