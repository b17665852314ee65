"""The webhook SSRF policy: public targets only, unless a partner is explicitly allowed a private one."""

from __future__ import annotations

import pytest

from syndicate.errors import UnsafeURL
from syndicate.partners import ssrf


def fake_dns(answers: dict[str, list[str]]) -> ssrf.Resolver:
    def resolve(host: str, port: int) -> list[str]:
        if host not in answers:
            raise OSError("name does not resolve")
        return answers[host]

    return resolve


DNS = fake_dns(
    {
        "partner.example": ["93.184.216.34"],
        "v6.partner.example": ["2606:2800:220:1:248:1893:25c8:1946"],
        "internal.example": ["10.1.2.3"],
        "mixed.example": ["93.184.216.34", "192.168.1.10"],
        "localhost": ["127.0.0.1", "::1"],
        "v6-internal.example": ["2606:2800:220:1:248:1893:25c8:1946", "fd12::7"],
        "nat64-internal.example": ["64:ff9b::a9fe:a9fe"],
        # a rebinding name: public first, loopback second; a client could pick either
        "rebind.example": ["93.184.216.34", "127.0.0.1"],
    }
)


@pytest.mark.parametrize("host", ["2130706433", "0x7f000001", "017700000001", "127.1", "0177.0.0.1", "LOCALHOST", "0"])
def test_numeric_and_odd_spellings_resolve_to_what_they_are(host: str) -> None:
    """Decimal, hex, octal and short IPv4 forms go through the system resolver and are judged by the answer."""
    with pytest.raises(UnsafeURL):
        ssrf.check(f"http://{host}:8080/hook")


def test_public_addresses_inside_transition_forms_are_allowed() -> None:
    # 93.184.216.34 through 6to4 and NAT64 is still that public address.
    assert ssrf.check("http://[2002:5db8:d822::1]/").address == "2002:5db8:d822::1"
    assert ssrf.check("http://[64:ff9b::5db8:d822]/").address == "64:ff9b::5db8:d822"


def test_a_redirect_to_an_internal_address_is_never_followed(db: object, settings: object) -> None:
    """The partner answers 302 to another server on 127.0.0.1: that server never hears from us."""
    from syndicate.partners.webhook import new_secret
    from tests.helpers import article
    from tests.partners.endpoint import Answer, PartnerEndpoint, running
    from tests.partners.support import add_partner, deliveries, publish

    with running(PartnerEndpoint(new_secret())) as inside, running(PartnerEndpoint(new_secret())) as partner:
        partner.default = Answer(302, headers={"Location": inside.url})
        _, secret = add_partner(db, settings, "redirecting", webhook_url=partner.url, allow_private_webhook=True)  # type: ignore[arg-type]
        partner.secret = secret or ""
        publish(db, settings, article())  # type: ignore[arg-type]
        [delivery] = deliveries(db, "redirecting")  # type: ignore[arg-type]
        assert delivery.state == "dead" and "redirect not followed" in (delivery.last_error or "")
        assert len(partner.receipts) == 1 and inside.receipts == []


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:8080/hook", "loopback"),
        ("http://[::1]/hook", "loopback"),
        ("http://[::ffff:127.0.0.1]/hook", "loopback"),
        ("http://localhost/hook", "loopback"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://[fe80::1]/hook", "link-local"),
        ("http://10.0.0.5/hook", "private"),
        ("http://172.16.3.4/hook", "private"),
        ("http://192.168.0.1/hook", "private"),
        ("http://100.64.0.1/hook", "private or reserved"),
        ("http://[fd00::1]/hook", "private"),
        ("http://0.0.0.0/hook", "unspecified"),
        ("http://224.0.0.1/hook", "multicast"),
        ("http://internal.example/hook", "10.1.2.3"),
        ("http://mixed.example/hook", "192.168.1.10"),
        ("ftp://partner.example/hook", "only http and https"),
        ("file:///etc/passwd", "only http and https"),
        ("gopher://partner.example/", "only http and https"),
        ("http://user:pw@partner.example/hook", "credentials"),
        ("http:///hook", "no host"),
        ("http://nowhere.invalid/hook", "does not resolve"),
        ("http://partner.example:99999/", "not a valid URL"),
        # IPv6 forms that reach an IPv4 address inside the network
        ("http://[2002:7f00:1::]/hook", "loopback address (embedded"),  # 6to4 of 127.0.0.1
        ("http://[2002:a9fe:a9fe::]/hook", "link-local address"),  # 6to4 of 169.254.169.254
        ("http://[64:ff9b::7f00:1]/hook", "loopback address (embedded"),  # NAT64 of 127.0.0.1
        ("http://[64:ff9b::a00:5]/hook", "private or reserved address (embedded"),  # NAT64 of 10.0.0.5
        ("http://[64:ff9b:1::a00:5]/hook", "local-use NAT64"),
        ("http://[::127.0.0.1]/hook", "loopback address (embedded"),  # IPv4-compatible
        ("http://[::ffff:0:a9fe:a9fe]/hook", "link-local address"),  # IPv4-translated metadata address
        ("http://[::ffff:10.0.0.1]/hook", "private or reserved"),
        ("http://[::ffff:169.254.169.254]/hook", "link-local"),
        ("http://[fec0::1]/hook", "site-local"),
        ("http://[fc00::1]/hook", "private"),
        ("http://[fe80::1%25eth0]/hook", "link-local"),
        ("http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/hook", "private or reserved"),  # Teredo
        ("http://[ff02::1]/hook", "multicast"),
        ("http://[::]/hook", "unspecified"),
        # DNS names whose answers point inside
        ("http://v6-internal.example/hook", "fd12::7"),
        ("http://nat64-internal.example/hook", "embedded"),
        ("http://rebind.example/hook", "127.0.0.1"),
    ],
)
def test_refused(url: str, reason: str) -> None:
    with pytest.raises(UnsafeURL) as caught:
        ssrf.check(url, resolver=DNS)
    assert reason in str(caught.value)
    assert caught.value.problems[0].field == "webhook_url"


def test_public_targets_are_pinned_to_the_checked_address() -> None:
    target = ssrf.check("https://partner.example/hooks/chira?x=1", resolver=DNS)
    assert target.address == "93.184.216.34"
    assert target.pinned_url == "https://93.184.216.34/hooks/chira?x=1"
    assert target.host_header == "partner.example"
    v6 = ssrf.check("http://v6.partner.example:8080/h", resolver=DNS)
    assert v6.pinned_url == "http://[2606:2800:220:1:248:1893:25c8:1946]:8080/h"
    assert v6.host_header == "v6.partner.example:8080"


def test_a_partner_allowed_private_targets() -> None:
    assert ssrf.check("http://127.0.0.1:9000/hook", allow_private=True).address == "127.0.0.1"
    assert ssrf.check("http://localhost:9000/", allow_private=True, resolver=DNS).host_header == "localhost:9000"
    assert ssrf.check("http://10.0.0.5/", allow_private=True).address == "10.0.0.5"
    # never: the unspecified address and multicast
    for url in ("http://0.0.0.0/", "http://224.0.0.1/"):
        with pytest.raises(UnsafeURL):
            ssrf.check(url, allow_private=True)


def test_registration_runs_the_policy(db: object, settings: object) -> None:
    from syndicate.errors import ValidationFailed
    from tests.partners.support import add_partner

    with pytest.raises(ValidationFailed) as caught:
        add_partner(db, settings, "sneaky", webhook_url="http://169.254.169.254/latest/")  # type: ignore[arg-type]
    assert caught.value.problems[0].field == "webhook_url"
    _, secret = add_partner(db, settings, "local", webhook_url="http://127.0.0.1:1/", allow_private_webhook=True)  # type: ignore[arg-type]
    assert secret


def test_tls_is_verified_against_the_host_name_not_the_pinned_address() -> None:
    import requests

    from syndicate.partners.webhook import _PinnedTLS

    target = ssrf.check("https://partner.example/hook", resolver=DNS)
    prepared = requests.Request("POST", target.pinned_url, data=b"{}").prepare()
    host, pool = _PinnedTLS(target.host).build_connection_pool_key_attributes(prepared, True)
    assert host["host"] == "93.184.216.34"
    assert pool["server_hostname"] == "partner.example" and pool["assert_hostname"] == "partner.example"
    assert pool["cert_reqs"] == "CERT_REQUIRED"
