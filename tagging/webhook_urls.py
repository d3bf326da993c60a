"""Where a webhook may be delivered (SSRF guard): checked when an endpoint is registered and on every connection.

A webhook URL is https; plain http only in DEBUG or to a private address WEBHOOK_ALLOW_PRIVATE_URLS allows (a
receiver on the same private network, tests). Private, loopback and link-local addresses are refused unless
WEBHOOK_ALLOW_PRIVATE_URLS: registering a URL must not let anyone make our workers call our own network. The
name is resolved at registration, and again by every delivery, which connects only to the address it checked
(publisher_backend.outbound), so a name that resolves elsewhere later (DNS rebinding) gains nothing.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

from publisher_backend.outbound import AddressRefused, guarded_session, private_address_refusal, resolved_addresses


class WebhookAddressRefused(AddressRefused):
    """A delivery was not made: the endpoint's host resolves to an address webhooks may not reach."""


def webhook_address_refusal(address: str, *, plain_http: bool) -> str | None:
    """Why a webhook may not be delivered to this IP address, or None when it may."""
    return private_address_refusal(address, plain_http=plain_http, allow_private=settings.WEBHOOK_ALLOW_PRIVATE_URLS,
                                   setting="WEBHOOK_ALLOW_PRIVATE_URLS", debug=settings.DEBUG)


def webhook_session() -> requests.Session:
    """A session that delivers only where webhook_address_refusal allows (each connection checked)."""
    return guarded_session(address_refusal=webhook_address_refusal, refused_error=WebhookAddressRefused)


def validate_webhook_url(value: str) -> None:
    """Raises ValidationError (translated) unless webhooks may be delivered to `value` (see the module docstring).
    A name that does not resolve yet is accepted for https only; each delivery checks it again."""
    URLValidator(schemes=["http", "https"], message=_("Enter a valid https URL."))(value)
    parts = urlsplit(value)
    if parts.username or parts.password:
        raise ValidationError(_("A webhook URL may not carry a user name or password."), code="webhook_url_userinfo")
    plain_http = parts.scheme == "http"
    addresses = resolved_addresses(parts.hostname or "", parts.port)
    if plain_http and not settings.DEBUG and not addresses:
        raise ValidationError(_("Use an https URL: plain http is allowed only in development."),
                              code="webhook_url_https")
    for address in addresses:
        if webhook_address_refusal(address, plain_http=plain_http) is None:
            continue
        if ipaddress.ip_address(address.split("%", 1)[0]).is_global:
            raise ValidationError(_("Use an https URL: plain http is allowed only in development."),
                                  code="webhook_url_https")
        raise ValidationError(
            _("%(host)s points to a private, loopback or link-local address (%(address)s); such addresses are "
              "allowed only with WEBHOOK_ALLOW_PRIVATE_URLS=true."),
            code="webhook_url_private", params={"host": parts.hostname, "address": address})
