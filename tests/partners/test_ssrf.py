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
    }
)


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
