"""The SSRF policy for partner webhooks.

A webhook URL is ours to call from inside the network, so it must not point
back into it: only http(s), no credentials in the URL, and every address the
host resolves to must be public, unless the partner is explicitly allowed a
private target. The check runs when the URL is registered and again before
every attempt, and the attempt connects to the address that was checked (so a
DNS answer that changes in between cannot redirect it). Redirects are never
followed (see ``webhook``).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from syndicate.errors import UnsafeURL

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]


def system_resolver(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (IPv4 and IPv6)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass(frozen=True)
class Target:
    """A checked webhook URL and the address to connect to."""

    url: str
    scheme: str
    host: str  # as written in the URL (for Host and TLS server name)
    port: int
    address: str  # the checked IP address the request goes to

    @property
    def pinned_url(self) -> str:
        """The URL with its host replaced by the checked address."""
        parts = urlsplit(self.url)
        ip = ipaddress.ip_address(self.address)
        host = f"[{ip}]" if ip.version == 6 else str(ip)
        default = 443 if self.scheme == "https" else 80
        netloc = host if self.port == default else f"{host}:{self.port}"
        return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == default else f"{host}:{self.port}"


# IPv6 forms that carry an IPv4 address the packet really goes to (NAT64, SIIT, the deprecated
# IPv4-compatible form): the embedded address is the one to judge.
_EMBEDS_V4 = (
    ipaddress.IPv6Network("64:ff9b::/96"),  # NAT64 well-known prefix (RFC 6052)
    ipaddress.IPv6Network("::ffff:0:0:0/96"),  # IPv4-translated (RFC 2765)
    ipaddress.IPv6Network("::/96"),  # IPv4-compatible (deprecated, RFC 4291)
)
_REFUSED_V6 = {
    ipaddress.IPv6Network("64:ff9b:1::/48"): "local-use NAT64 prefix",
    ipaddress.IPv6Network("fec0::/10"): "site-local address",
}


def _embedded_v4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    if address.sixtofour is not None:
        return address.sixtofour  # 2002:7f00:1:: tunnels to 127.0.0.1
    if address.teredo is not None:
        return address.teredo[1]
    for network in _EMBEDS_V4:
        if address in network and int(address) & 0xFFFFFFFF > 1:  # ::, ::1 are judged as themselves
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def refusal(address: IPAddress, allow_private: bool) -> str | None:
    """Why ``address`` may not be called, or None."""
    if isinstance(address, ipaddress.IPv6Address):
        for network, reason in _REFUSED_V6.items():
            if address in network:
                return reason
        inner = _embedded_v4(address)
        if inner is not None:
            why = refusal(inner, allow_private)
            return f"{why} (embedded in {address})" if why else None
    if address.is_unspecified:
        return "unspecified address"
    if address.is_multicast:
        return "multicast address"
    if address.is_global:
        return None
    if allow_private and (address.is_private or address.is_loopback or address.is_link_local):
        return None
    if address.is_loopback:
        return "loopback address"
    if address.is_link_local:
        return "link-local address (cloud metadata lives here)"
    return "private or reserved address"


def parse(url: str) -> tuple[str, str, int]:
    """Scheme, host and port of a webhook URL; refuses anything but plain http(s)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise UnsafeURL(url, f"not a valid URL ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise UnsafeURL(url, "only http and https URLs are allowed")
    if parts.username is not None or parts.password is not None:
        raise UnsafeURL(url, "credentials in the URL are not allowed")
    if not parts.hostname:
        raise UnsafeURL(url, "no host")
    if parts.fragment:
        raise UnsafeURL(url, "fragments are not allowed")
    return scheme, parts.hostname, port or (443 if scheme == "https" else 80)


def check(url: str, *, allow_private: bool = False, resolver: Resolver = system_resolver) -> Target:
    """Check ``url`` against the policy and pick the address to connect to."""
    scheme, host, port = parse(url)
    try:
        literal: IPAddress | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [str(literal)]
    else:
        try:
            addresses = resolver(host, port)
        except (OSError, UnicodeError) as exc:
            raise UnsafeURL(url, f"host does not resolve ({exc})") from None
        if not addresses:
            raise UnsafeURL(url, "host does not resolve")
    # Every answer must pass: an attacker controls which one a client would pick.
    for text in addresses:
        reason = refusal(ipaddress.ip_address(text.split("%", 1)[0]), allow_private)
        if reason:
            raise UnsafeURL(url, f"{host} resolves to {text}: {reason}")
    return Target(url=url.strip(), scheme=scheme, host=host, port=port, address=addresses[0].split("%", 1)[0])
