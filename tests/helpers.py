"""Builders and validators shared by the test suite."""

from __future__ import annotations

import copy
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
STANDARDS = Path(os.environ.get("SYNDICATE_STANDARDS_DIR", ROOT.parent / "shared" / "standards"))
GOLDEN = Path(__file__).parent / "golden"

BASE_ARTICLE: dict[str, Any] = {
    "id": "t-1",
    "version": 1,
    "language": "en",
    "headline": "Erbil water project to serve 400,000 residents by summer",
    "standfirst": "The plant is 70 percent complete.",
    "body_html": "<p>The Kurdistan Region's ministry said on Tuesday that a new plant will open.</p>",
    "byline": [{"name": "Aras Ahmed", "handle": "@aras_ahmed"}],
    "dateline": "ERBIL, Kurdistan Region",
    "section": "kurdistan",
    "tags": ["Erbil", "Water"],
    "published_at": "2020-01-21T14:05:00+03:00",
    "canonical_url": "https://chira.example/en/kurdistan/1/erbil-water",
    "media": [
        {
            "url": "https://media.chira.example/erbil.jpg",
            "caption": "Workers at the plant, January 21, 2020.",
            "credit": "Rebaz Omar/AFP",
            "rights_holder": "AFP",
            "partner_redistribution": False,
        }
    ],
}


def article(**overrides: Any) -> dict[str, Any]:
    """A valid article document with ``overrides`` applied (None deletes a field)."""
    doc = copy.deepcopy(BASE_ARTICLE)
    for key, value in overrides.items():
        if value is None:
            doc.pop(key, None)
        else:
            doc[key] = value
    return doc


def example(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / name).read_text("utf-8"))


def examples() -> list[dict[str, Any]]:
    return [json.loads(p.read_text("utf-8")) for p in sorted(EXAMPLES.glob("*.json"))]


def require_standard(*parts: str) -> Path:
    path = STANDARDS.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"IPTC schema {path} not found: set SYNDICATE_STANDARDS_DIR or provide ../shared/standards")
    return path


@lru_cache(maxsize=1)
def _ninjs_validator() -> Any:
    from jsonschema import Draft202012Validator, FormatChecker
    from referencing import Registry, Resource

    folder = require_standard("ninjs")
    schema = json.loads((folder / "ninjs-schema_2.2.json").read_text())
    geo = json.loads((folder / "GeoJSON-schema.json").read_text())
    registry = Registry().with_resource("https://geojson.org/schema/GeoJSON.json", Resource.from_contents(geo))
    checker = FormatChecker()
    # Format checks must really run: jsonschema skips unknown formats silently.
    assert "date-time" in checker.checkers and "uri" in checker.checkers, "install jsonschema[format-nongpl]"
    return Draft202012Validator(schema, registry=registry, format_checker=checker)


def assert_valid_ninjs(item: dict[str, Any] | str) -> dict[str, Any]:
    """Validate against IPTC ninjs 2.2 with format checking; returns the parsed item."""
    data = json.loads(item) if isinstance(item, str) else item
    require_standard("ninjs", "ninjs-schema_2.2.json")
    errors = [f"{list(e.path)}: {e.message}" for e in _ninjs_validator().iter_errors(data)]
    assert not errors, "\n".join(errors)
    return data


@lru_cache(maxsize=1)
def _newsml_schema() -> Any:
    from lxml import etree

    path = require_standard("newsml-g2", "NewsML-G2_2.35-spec-All-Power.xsd")
    return etree.XMLSchema(etree.parse(str(path)))


def assert_valid_newsml(xml: bytes | str) -> Any:
    """Validate against the IPTC NewsML-G2 2.35 XSD; returns the parsed tree."""
    from lxml import etree

    require_standard("newsml-g2", "NewsML-G2_2.35-spec-All-Power.xsd")
    data = xml.encode() if isinstance(xml, str) else xml
    doc = etree.fromstring(data)
    schema = _newsml_schema()
    assert schema.validate(doc), str(schema.error_log)
    return doc


def parse_feed(body: bytes, content_type: str) -> Any:
    """Parse with feedparser as a client would, and insist on a clean parse."""
    import feedparser

    parsed = feedparser.parse(body, response_headers={"content-type": content_type})
    assert not parsed.bozo, f"feed is not well-formed: {parsed.get('bozo_exception')!r}"
    return parsed
