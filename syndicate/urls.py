"""URL normalisation shared by ingest, feeds and payloads (no dependencies on either).

Every URL the service writes is an RFC 3986 URI: non-ASCII characters and
characters URIs cannot carry (``|``, ``^``, a backtick, brackets outside the
host, spaces) are percent-encoded, a ``%`` that starts no valid escape is
encoded as ``%25``, and a non-ASCII host goes through IDNA. Feed validators,
the ninjs ``uri`` format and the NewsML-G2 ``xs:anyURI`` all accept the result.
"""

from __future__ import annotations

import ipaddress
import string
from functools import lru_cache
from urllib.parse import quote, urlsplit, urlunsplit

_UNRESERVED = string.ascii_letters + string.digits + "-._~"
_SUB_DELIMS = "!$&'()*+,;="
_PATH_SAFE = frozenset(_UNRESERVED + _SUB_DELIMS + ":@/")
_QUERY_SAFE = _PATH_SAFE | {"?"}
_USER_SAFE = frozenset(_UNRESERVED + _SUB_DELIMS + ":")
_HEX = frozenset(string.hexdigits)


def _encode(part: str, safe: frozenset[str]) -> str:
    """Percent-encode what ``safe`` lacks; valid ``%XX`` escapes stay, a stray ``%`` becomes ``%25``."""
    out: list[str] = []
    for i, char in enumerate(part):
        escape = char == "%" and len(part) >= i + 3 and part[i + 1] in _HEX and part[i + 2] in _HEX
        if escape or char in safe:
            out.append(char)
        else:
            out.append(quote(char, safe="", errors="replace"))
    return "".join(out)


def _host(host: str) -> str:
    if host.startswith("["):  # an IP literal: RFC 3986 allows hex digits, ':' and '.' in it
        return host.lower()
    if host.isascii():
        return _encode(host.lower(), frozenset(_UNRESERVED + _SUB_DELIMS))
    try:
        return host.encode("idna").decode("ascii").lower()
    except UnicodeError:  # not a name IDNA can carry: a reg-name may still be percent-encoded
        return _encode(host.lower(), frozenset(_UNRESERVED + _SUB_DELIMS))


@lru_cache(maxsize=1 << 16)
def iri_to_uri(iri: str) -> str:
    """Normalise an IRI (or a sloppy URI) to an RFC 3986 URI; idempotent.

    Memoised: every rebuild of a feed or sitemap links the same stories again.
    """
    parts = urlsplit(iri)
    netloc = parts.netloc
    if netloc:
        userinfo, at, hostport = netloc.rpartition("@")
        host, port = hostport, ""
        if not hostport.endswith("]") and ":" in hostport:
            host, _, port = hostport.rpartition(":")
            if not port.isdigit():
                host, port = hostport, ""
        netloc = (_encode(userinfo, _USER_SAFE) + at if at else "") + _host(host) + (f":{port}" if port else "")
    return urlunsplit(
        (
            parts.scheme.lower(),
            netloc,
            _encode(parts.path, _PATH_SAFE),
            _encode(parts.query, _QUERY_SAFE),
            _encode(parts.fragment, _QUERY_SAFE),
        )
    )


def public_url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a public link of an article (credentials, an IP address), or None."""
    parts = urlsplit(url)
    if "@" in parts.netloc:
        return "must not carry a user name or password (user:password@)"
    host = parts.hostname or ""
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None if host else "has no host"
    return "must name a host, not an IP address"
