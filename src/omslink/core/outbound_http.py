"""The one guarded HTTP client for every call omslink makes to the outside (CONTRACT §7).

The SSRF rule is enforced inside the connection itself: the host is resolved, every address is
checked, and the socket is opened to the checked address. A name that resolves to 127.0.0.1 is
therefore refused exactly like the literal, and DNS answers cannot change between check and
connect. Redirects are never followed and proxies from the environment are ignored.
"""

from __future__ import annotations

import functools
import ipaddress
import os
import socket
import ssl
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import anyio
import httpcore
import httpx
from django.conf import settings

from omslink.core.errors import ValidationFailed

USER_AGENT = "omslink/0.1"
MAX_URL_LENGTH = 2048
_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=30)


class TargetRefused(httpcore.ConnectError):
    """The SSRF guard refused every address the target resolves to."""


def validate_target_url(url: str, *, field: str) -> str:
    """Check a webhook or API URL's form; the address is checked again on every connect."""
    if len(url) > MAX_URL_LENGTH:
        raise ValidationFailed.for_field(field, f"must be at most {MAX_URL_LENGTH} characters")
    if not url.isprintable() or any(char.isspace() for char in url):
        raise ValidationFailed.for_field(field, "must not contain spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ValidationFailed.for_field(field, "is not a valid URL") from exc
    if parts.scheme not in {"http", "https"}:
        raise ValidationFailed.for_field(field, "must be an http or https URL")
    if not parts.hostname:
        raise ValidationFailed.for_field(field, "must name a host")
    if parts.username is not None or parts.password is not None:
        raise ValidationFailed.for_field(field, "must not carry a user name or password")
    if port == 0:
        raise ValidationFailed.for_field(field, "must not use port 0")
    return url


# IPv6 prefixes that carry an IPv4 address in their last 32 bits (IPv4-compatible and NAT64);
# Python counts them as global, but a gateway may deliver them to the embedded address.
_EMBEDS_IPV4_LOW_BITS = (ipaddress.ip_network("::/96"), ipaddress.ip_network("64:ff9b::/96"))


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if any(ip in network for network in _EMBEDS_IPV4_LOW_BITS):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


# IPv6 ranges Python counts as global that lead into a private network whatever they carry:
# site-local (deprecated but still routed by some networks), IPv4-translated (SIIT) and
# local-use NAT64 (RFC 8215), whose gateways are the operator's own.
_NEVER_PUBLIC = (
    ipaddress.ip_network("fec0::/10"),
    ipaddress.ip_network("::ffff:0:0:0/96"),
    ipaddress.ip_network("64:ff9b:1::/48"),
)


def is_public_address(address: str) -> bool:
    """True only for a globally routable unicast address, looking inside IPv6 wrappings."""
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(
        address.split("%", 1)[0]
    )
    if isinstance(ip, ipaddress.IPv6Address):
        if any(ip in network for network in _NEVER_PUBLIC):
            return False
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            ip = embedded
    return ip.is_global and not ip.is_multicast


def _allowed(addresses: Iterable[str], host: str) -> list[str]:
    addresses = list(dict.fromkeys(addresses))
    if settings.OMSLINK_ALLOW_PRIVATE_WEBHOOK_TARGETS:
        return addresses
    allowed = [address for address in addresses if is_public_address(address)]
    if not allowed:
        raise TargetRefused(
            f"{host} resolves to {', '.join(addresses)}: loopback, private, link-local and other"
            " non-public addresses are refused (OMSLINK_ALLOW_PRIVATE_WEBHOOK_TARGETS is off)"
        )
    return allowed


def _addresses(infos: Iterable[tuple[Any, ...]]) -> list[str]:
    return [str(info[4][0]) for info in infos]


class _GuardedSyncBackend(httpcore.SyncBackend):
    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        last_error: Exception | None = None
        for address in _allowed(_addresses(infos), host):
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:
                last_error = exc
        assert last_error is not None
        raise last_error


class _GuardedAsyncBackend(httpcore.AnyIOBackend):
    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            with anyio.fail_after(timeout):
                infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, TimeoutError) as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        last_error: Exception | None = None
        for address in _allowed(_addresses(infos), host):
            try:
                return await super().connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except httpcore.ConnectError as exc:
                last_error = exc
        assert last_error is not None
        raise last_error


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """One TLS context for every client of the process: building one loads the whole CA
    bundle (about 0.1 s), and a context is safe to share between connections and threads."""
    return httpx.create_ssl_context(trust_env=False)


def _pool_options(connections: int | None = None) -> dict[str, Any]:
    """Pool settings; with `connections`, that many at most, all of them kept alive."""
    return {
        "ssl_context": _ssl_context(),
        "max_connections": connections or _LIMITS.max_connections,
        "max_keepalive_connections": connections or _LIMITS.max_keepalive_connections,
        "keepalive_expiry": _LIMITS.keepalive_expiry,
    }


_CLIENT_OPTIONS: dict[str, Any] = {
    "follow_redirects": False,
    "trust_env": False,
    "headers": {"User-Agent": USER_AGENT},
}


def guarded_client(*, timeout: float) -> httpx.Client:
    """A client whose every connection passes the SSRF guard; never follows redirects."""
    transport = httpx.HTTPTransport(verify=_ssl_context(), trust_env=False)
    # httpx has no public hook for the network backend; the pool is rebuilt with ours.
    transport._pool = httpcore.ConnectionPool(
        **_pool_options(), network_backend=_GuardedSyncBackend()
    )
    return httpx.Client(transport=transport, timeout=timeout, **_CLIENT_OPTIONS)


def guarded_async_client(*, timeout: float, connections: int | None = None) -> httpx.AsyncClient:
    """The async twin of `guarded_client`, pooled with keep-alive for the relay.

    `connections` caps the pool and keeps every connection alive: a sender that keeps that
    many requests in flight then never closes and reopens connections between them.
    """
    transport = httpx.AsyncHTTPTransport(verify=_ssl_context(), trust_env=False)
    transport._pool = httpcore.AsyncConnectionPool(
        **_pool_options(connections), network_backend=_GuardedAsyncBackend()
    )
    return httpx.AsyncClient(transport=transport, timeout=timeout, **_CLIENT_OPTIONS)


def describe_failure(exc: httpx.HTTPError) -> str:
    """One line for an operator: what went wrong with an outbound call, no secrets.

    httpx's own message ("All connection attempts failed") hides the reason, so the operating
    system's reason it wraps (e.g. connection refused) is added.
    """
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out ({type(exc).__name__})"
    message = str(exc) or type(exc).__name__
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, OSError) and cause.errno:
            message = f"{message} ({os.strerror(cause.errno)})"
            break
        cause = cause.__cause__ or cause.__context__
    return message[:500]
