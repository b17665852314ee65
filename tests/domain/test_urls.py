"""The URL normaliser every output shares: RFC 3986 URIs out of IRIs and sloppy URLs, idempotently."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rfc3986_validator import validate_rfc3986  # type: ignore[import-untyped]

from syndicate.urls import iri_to_uri, public_url_problem

PIECES = st.lists(
    st.one_of(
        st.sampled_from(
            ["%", "%z", "%zz", "%4", "%41", "%e2%80", "|", "^", "`", "[", "]", "{", "}", " ", '"', "<", ">"]
        ),
        st.sampled_from(
            ["\\", "#", "?", "&", "=", "@", ":", "'", "(", ")", "~", "هەواڵ", "Hewlêr", "\u200f", "\u202e"]
        ),
        st.characters(codec="utf-8", exclude_categories=["Cs"]),
    ),
    max_size=20,
).map("".join)


@given(path=PIECES, query=PIECES, fragment=PIECES)
def test_any_path_query_and_fragment_become_a_valid_uri_and_stay_one(path: str, query: str, fragment: str) -> None:
    uri = iri_to_uri(f"https://chira.example/{path}?{query}#{fragment}")
    assert validate_rfc3986(uri, rule="URI"), uri
    assert uri.isascii() and iri_to_uri(uri) == uri


def test_valid_escapes_are_kept_and_stray_percent_signs_encoded() -> None:
    assert iri_to_uri("https://chira.example/a%2Fb%zz%") == "https://chira.example/a%2Fb%25zz%25"


def test_hosts_go_through_idna_and_lower_case() -> None:
    punycode = "hewlêr".encode("idna").decode()
    assert punycode.startswith("xn--")
    assert iri_to_uri("https://Hewlêr.Example:8080/x") == f"https://{punycode}.example:8080/x"


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://chira.example/a", None),
        ("https://a:b@chira.example/", "must not carry a user name or password (user:password@)"),
        ("https://[2001:db8::1]/", "must name a host, not an IP address"),
        ("https://10.0.0.1:8080/", "must name a host, not an IP address"),
    ],
)
def test_public_url_problems(url: str, problem: str | None) -> None:
    assert public_url_problem(url) == problem
