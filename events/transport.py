"""One webhook POST: signed, to an address checked against SSRF, no redirects, a hard timeout.

The host is resolved once and the connection is made to the address that was checked, with the
URL's host in the `Host` header and in TLS (SNI and certificate checks), so a name that resolves
to a public address when checked and to 127.0.0.1 a moment later (DNS rebinding) cannot reach
the inside. http.client follows no redirects: a 3xx is an answer like any other non-2xx.
"""

import hashlib
import hmac
import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

SCHEMES = {"http": 80, "https": 443}
RETRYABLE_CODES = {408, 429}
USER_AGENT = "factory-webhooks/1"


class AddressRefused(Exception):
    """The URL is not http(s), or names an address webhooks may not reach."""


def address_allowed(ip: str) -> bool:
    """Whether `ip` is a public unicast address (not loopback, private, link-local, reserved…)."""
    address = ipaddress.ip_address(ip.split("%", 1)[0])
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def url_parts(url: str) -> tuple[str, str, int, str]:
    """`(scheme, host, port, path?query)` of an http(s) URL; AddressRefused for anything else."""
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES:
        raise AddressRefused("Only http:// and https:// URLs are allowed.")
    if not parts.hostname:
        raise AddressRefused("The URL has no host.")
    if parts.username or parts.password:
        raise AddressRefused("The URL may not carry a user name or password.")
    try:
        port = parts.port or SCHEMES[parts.scheme]
    except ValueError as error:
        raise AddressRefused(f"Invalid port: {error}.") from None
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname, port, path


def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (an IP literal resolves to itself); OSError if none."""
    return sorted({info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)})


def url_check(url: str, *, resolve_names: bool = True) -> None:
    """Refuse a URL that is not http(s) or whose host is, or resolves to, a non-public address.

    A name that does not resolve now passes (it is checked again at every delivery).
    """
    _, host, port, _ = url_parts(url)
    if settings.WEBHOOK_ALLOW_PRIVATE:
        return
    try:
        addresses = [str(ipaddress.ip_address(host))]
    except ValueError:
        if not resolve_names:
            return
        try:
            addresses = resolve(host, port)
        except (OSError, ValueError):  # ValueError: IDNA refuses the name (a label too long)
            return
    refused = [ip for ip in addresses if not address_allowed(ip)]
    if refused:
        raise AddressRefused(
            f"{host} resolves to a loopback, private, link-local or reserved address "
            f"({', '.join(refused)}); set WEBHOOK_ALLOW_PRIVATE=1 to allow it in development."
        )


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """`t=<unix time>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>` (docs/events.md verifies it)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


@dataclass(frozen=True)
class Outcome:
    """What a POST got: `ok` (2xx), or `retry` (worth another attempt) with the code or error."""

    ok: bool
    retry: bool
    response_code: int | None = None
    error: str = ""


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host, port, *, ip, **kwargs):
        super().__init__(host, port, **kwargs)
        self.ip = ip

    def connect(self):
        self.sock = socket.create_connection((self.ip, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, *, ip, **kwargs):
        super().__init__(host, port, context=ssl.create_default_context(), **kwargs)
        self.ip = ip

    def connect(self):
        sock = socket.create_connection((self.ip, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(*, url: str, body: bytes, headers: dict[str, str], secret: str) -> Outcome:
    """POST `body` to `url`, signed now; never raises for what the network or receiver does."""
    try:
        scheme, host, port, path = url_parts(url)
        addresses = resolve(host, port)
    except AddressRefused as error:
        return Outcome(ok=False, retry=False, error=str(error))
    except (OSError, ValueError) as error:
        return Outcome(ok=False, retry=True, error=f"DNS: cannot resolve {url}: {error}")
    ip = addresses[0]
    if not settings.WEBHOOK_ALLOW_PRIVATE and not all(map(address_allowed, addresses)):
        return Outcome(
            ok=False, retry=False, error=f"Refused: {host} resolves to a non-public address ({ip})."
        )
    timeout = settings.WEBHOOK_TIMEOUT_SECONDS
    connection_class = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(host, port, ip=ip, timeout=timeout)
    deadline = time.monotonic() + timeout
    headers = {
        **headers,
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Factory-Signature": signature(secret=secret, timestamp=int(time.time()), body=body),
    }
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        # Read (a bounded part of) the body, so a receiver that sends headers and then
        # stalls counts as a timeout rather than a success.
        while response.read(64 * 1024) and time.monotonic() < deadline:
            pass
        code = response.status
    except TimeoutError:
        return Outcome(ok=False, retry=True, error=f"Timed out after {timeout:g} s.")
    except (OSError, http.client.HTTPException) as error:
        return Outcome(ok=False, retry=True, error=f"Connection error: {error!r}"[:500])
    finally:
        connection.close()
    if 200 <= code < 300:
        return Outcome(ok=True, retry=False, response_code=code)
    retry = code >= 500 or code in RETRYABLE_CODES
    return Outcome(ok=False, retry=retry, response_code=code, error=f"HTTP {code}")
