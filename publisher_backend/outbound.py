"""Outbound HTTP to addresses staff configure (journal platforms, webhook endpoints), guarded against SSRF.

A URL someone can set must not reach our own network (metadata services, Redis, the database, admin ports).
Checking the URL when it is saved is not enough: a name can resolve to a public address then and to 127.0.0.1
later (DNS rebinding). So every connection made through :func:`guarded_session` resolves the host itself, asks
a refusal function about every address the name resolves to, and connects to the checked address itself, never
to a new lookup of the name. Proxies from the environment are not used. Each caller keeps its own rule (which
setting allows private addresses) and its own error class; redirects are the caller's to refuse
(``allow_redirects=False``).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NameResolutionError
from urllib3.util.connection import create_connection

# (IP address, plain_http) → why it may not be called, or None when it may.
AddressRefusal = Callable[..., "str | None"]


class AddressRefused(Exception):
    """A connection was refused before it was made: the host resolves to an address its caller does not call."""


def private_address_refusal(address: str, *, plain_http: bool, allow_private: bool, setting: str,
                            debug: bool) -> str | None:
    """Why `address` may not be called, or None when it may.

    Private, loopback, link-local, shared, reserved and multicast addresses (anything not globally routable,
    IPv4-mapped IPv6 included) are refused unless `allow_private` (the caller's `setting`). Plain http is refused
    outside `debug` except to such an allowed private address: on the internet what we send would travel in the
    clear.
    """
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return f"{address!r} is not an IP address"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if not ip.is_global:
        if not allow_private:
            return f"{ip} is a private, loopback or link-local address (allowed only with {setting}=true)"
        return None
    if plain_http and not debug:
        return f"{ip} is a public address: use https"
    return None


def resolved_addresses(host: str, port: int | None = None) -> list[str]:
    """The IP addresses a host name resolves to (the address itself for an IP literal); [] when it does not."""
    try:
        infos = socket.getaddrinfo(host, port or 443, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError):
        return []
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class _GuardedConnection:
    """Resolves the host itself and connects only to addresses `address_refusal` allows."""

    address_refusal: AddressRefusal
    refused_error: type[Exception]

    def _new_conn(self) -> socket.socket:
        plain_http = not isinstance(self, HTTPSConnection)
        try:
            infos = socket.getaddrinfo(self._dns_host, self.port, type=socket.SOCK_STREAM)
        except socket.gaierror as error:
            raise NameResolutionError(self.host, self, error) from error
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        for address in addresses:  # every answer must be allowed: a mixed answer is a rebinding attempt
            refusal = type(self).address_refusal(address, plain_http=plain_http)
            if refusal is not None:
                raise self.refused_error(f"{self.host} is not called: {refusal}")
        last_error: OSError | None = None
        for address in addresses:  # connect to the checked address itself, never to a new lookup of the name
            try:
                return create_connection((address, self.port), self.timeout, source_address=self.source_address,
                                         socket_options=self.socket_options)
            except OSError as error:
                last_error = error
        raise last_error or OSError(f"no address for {self.host}")


@lru_cache(maxsize=16)
def _pool_classes(address_refusal: AddressRefusal, refused_error: type[Exception]) -> dict[str, type]:
    rule = {"address_refusal": staticmethod(address_refusal), "refused_error": refused_error}
    http_connection = type("GuardedHTTPConnection", (_GuardedConnection, HTTPConnection), rule)
    https_connection = type("GuardedHTTPSConnection", (_GuardedConnection, HTTPSConnection), rule)
    return {"http": type("GuardedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": http_connection}),
            "https": type("GuardedHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": https_connection})}


class GuardedAdapter(HTTPAdapter):
    """requests' adapter whose connections, under both schemes, obey `address_refusal`."""

    def __init__(self, *, address_refusal: AddressRefusal, refused_error: type[Exception] = AddressRefused,
                 **kwargs: Any) -> None:
        self._pool_classes = _pool_classes(address_refusal, refused_error)
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(self._pool_classes)


def guarded_session(*, address_refusal: AddressRefusal, refused_error: type[Exception] = AddressRefused,
                    session: requests.Session | None = None) -> requests.Session:
    """`session` (or a new one) that connects only where `address_refusal` allows, and ignores proxy variables.
    `address_refusal` must be a module-level function (the connection classes are built once per function)."""
    session = session or requests.Session()
    session.trust_env = False
    for scheme in ("http://", "https://"):
        session.mount(scheme, GuardedAdapter(address_refusal=address_refusal, refused_error=refused_error))
    return session
