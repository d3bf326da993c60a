from django.conf import settings


def client_address(request) -> str | None:
    """The caller's IP: REMOTE_ADDR, or the address our own proxies (DJANGO_NUM_PROXIES) saw.

    Each proxy appends the address it received the request from to X-Forwarded-For, so with N proxies of
    ours the client is the N-th entry from the right. Entries further left came from the client itself
    and can say anything: they are never read.
    """
    num_proxies = settings.NUM_PROXIES
    forwarded_for = request.META.get("HTTP_X_FORWARDED_FOR")
    if num_proxies and forwarded_for:
        addresses = [part.strip() for part in forwarded_for.split(",") if part.strip()]
        if addresses:
            return addresses[-min(num_proxies, len(addresses))]
    return request.META.get("REMOTE_ADDR") or None
