"""GET /healthz: is each part the product needs reachable right now?

200 `{"status": "ok", "checks": {...}}` when all are; 503 in the error envelope naming the failing
parts otherwise (`fields` holds one message per failing part), so a load balancer and a person
both see what is down.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from kombu import Connection

from publisher_backend.errors import error_body


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_redis() -> None:
    timeout = settings.HEALTHCHECK_TIMEOUT_SECONDS
    if settings.REDIS_URL:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=timeout, socket_timeout=timeout)
        try:
            client.ping()
        finally:
            client.close()
    else:
        # Embedded mode: the shared cache lives in the database.
        cache.get("healthz")


def _check_broker() -> None:
    with Connection(settings.CELERY_BROKER_URL,
                    transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS,
                    connect_timeout=settings.HEALTHCHECK_TIMEOUT_SECONDS) as broker:
        broker.ensure_connection(max_retries=1, interval_start=0, interval_step=0,
                                 timeout=settings.HEALTHCHECK_TIMEOUT_SECONDS)


CHECKS: dict[str, Callable[[], None]] = {
    "database": _check_database,
    "redis": _check_redis,
    "broker": _check_broker,
}


@require_GET
def healthz(request):
    results: dict[str, dict] = {}
    failures: dict[str, list[str]] = {}
    for name, check in CHECKS.items():
        started = time.monotonic()
        try:
            check()
        except Exception as exc:  # any failure of a dependency is a finding, not a crash
            results[name] = {"ok": False, "error": type(exc).__name__}
            failures[name] = [_("%(part)s is unreachable: %(error)s") % {"part": name, "error": type(exc).__name__}]
        else:
            results[name] = {"ok": True, "ms": round((time.monotonic() - started) * 1000, 1)}
    if failures:
        body = error_body("unhealthy", _("Unavailable: %(parts)s") % {"parts": ", ".join(failures)}, failures)
        body["checks"] = results
        return JsonResponse(body, status=503)
    return JsonResponse({"status": "ok", "checks": results})
