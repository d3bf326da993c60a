"""Optional integrations: on when every setting they need is set, otherwise off, and admin says so.

An optional integration never falls back to a sandbox or example value: with DJANGO_DEBUG off the
product either talks to the real platform with the operator's credentials or not at all. Code that uses
one asks `integration_enabled(key)` first; admin's index lists those that are off with the variables
that would switch them on.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class OptionalIntegration:
    key: str
    name: Promise
    required_settings: tuple[str, ...]  # settings named like the environment variables that set them

    def missing_settings(self) -> list[str]:
        return [name for name in self.required_settings if not getattr(settings, name, "")]

    def is_enabled(self) -> bool:
        return not self.missing_settings()


OPTIONAL_INTEGRATIONS: tuple[OptionalIntegration, ...] = (
    OptionalIntegration(
        key="wechat_pay", name=_("WeChat Pay"),
        required_settings=("WECHATPAY_MCH_ID", "WECHATPAY_API_V3_KEY", "WECHATPAY_PRIVATE_KEY_PATH",
                           "WECHATPAY_CERT_SERIAL", "WECHATPAY_PUBLIC_KEY_PATH", "WECHATPAY_PUBLIC_KEY_ID"),
    ),
    OptionalIntegration(key="orcid", name=_("ORCID sign-in"),
                        required_settings=("ORCID_CLIENT_ID", "ORCID_CLIENT_SECRET")),
    # The publisher's Official Account (tagging.wechat_oa); WECHAT_OA_AES_KEY only for encrypted callbacks.
    OptionalIntegration(key="wechat_oa", name=_("WeChat Official Account"),
                        required_settings=("WECHAT_OA_APP_ID", "WECHAT_OA_APP_SECRET", "WECHAT_OA_TOKEN")),
)


def integration_enabled(key: str) -> bool:
    return next(integration for integration in OPTIONAL_INTEGRATIONS if integration.key == key).is_enabled()


def integrations_switched_off() -> list[OptionalIntegration]:
    return [integration for integration in OPTIONAL_INTEGRATIONS if not integration.is_enabled()]
