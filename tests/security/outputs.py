"""Every output of the service, fetched the way its readers fetch it, validated and scanned for active content.

Public outputs are read over HTTP from the app: every stored feed document
(subscription documents and archive pages, RSS, Atom and JSON Feed), the OPML
list and the news sitemaps, and the page of every article version that has a
path. Partner outputs are the stored payloads, the pull API as a given key sees
it, and the bodies a partner endpoint received.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import html5lib
from fastapi.testclient import TestClient
from lxml import etree
from sqlalchemy import select

from syndicate.feeds.urls import document_path, feed_url
from syndicate.settings import Settings
from syndicate.storage.db import Database
from syndicate.storage.models import ArticleVersion, Feed, FeedDocument, Payload, SiteDocument
from tests.feeds.rules import check_atom, check_jsonfeed, check_rss
from tests.helpers import assert_valid_newsml, assert_valid_ninjs


@dataclass(frozen=True)
class Output:
    where: str
    kind: str  # rss | atom | json | opml | sitemap | page | ninjs | newsml | pull
    body: bytes


def public_outputs(client: TestClient, db: Database) -> list[Output]:
    """Every feed document, site document and article page, as served."""
    out = []
    with db.read() as session:
        feeds = {f.id: f.key for f in session.scalars(select(Feed))}
        docs = [(feeds[d.feed_id], d.format, d.page) for d in session.scalars(select(FeedDocument))]
        sites = list(session.scalars(select(SiteDocument.path)))
        paths = {
            (v.rendition or {}).get("path")
            for v in session.scalars(select(ArticleVersion).where(ArticleVersion.processed_at.is_not(None)))
        }
    for key, fmt, page in sorted(docs):
        path = "/feeds/" + document_path(key, fmt, page)
        out.append(Output(path, fmt, _get(client, path)))
    for path in sorted(sites):
        out.append(
            Output("/feeds/" + path, "opml" if path.endswith(".opml") else "sitemap", _get(client, "/feeds/" + path))
        )
    for path in sorted(p for p in paths if p):
        answer = client.get(path, follow_redirects=False)
        if answer.status_code == 200:
            out.append(Output(path, "page", answer.content))
    return out


def payload_outputs(db: Database) -> list[Output]:
    with db.read() as session:
        return [
            Output(f"payload {p.version_id} {p.format}", p.format, p.body.encode())
            for p in session.scalars(select(Payload))
        ]


def pull_outputs(client: TestClient, key: str) -> list[Output]:
    """Every page of the pull API as this key sees it, and every item in it, in each format it may take."""
    headers = {"Authorization": f"Bearer {key}"}
    out, cursor = [], ""
    while True:
        answer = client.get(f"/v1/partner/items?since={cursor}&limit=100", headers=headers)
        assert answer.status_code == 200, answer.text
        out.append(Output(f"pull since={cursor}", "pull", answer.content))
        page = answer.json()
        for item in page["items"]:
            got = client.get(item["href"], headers=headers)
            if got.status_code == 200:
                kind = "ninjs" if got.headers["content-type"].startswith("application/json") else "newsml"
                out.append(Output(item["href"], kind, got.content))
        cursor = page["next"]
        if not page["has_more"]:
            return out


def _get(client: TestClient, path: str) -> bytes:
    answer = client.get(path)
    assert answer.status_code == 200, f"{path}: {answer.status_code}"
    return answer.content


def validate(output: Output, settings: Settings) -> None:
    """The output is well-formed and valid for its format (IPTC schemas for payloads)."""
    kind, body = output.kind, output.body
    if kind in ("rss", "atom"):
        key, page = _key_page(output.where)
        (check_rss if kind == "rss" else check_atom)(body, feed_url(settings, key, kind, page))
    elif kind == "json":
        check_jsonfeed(body)
    elif kind in ("opml", "sitemap"):
        etree.fromstring(body)
    elif kind == "page":
        json.loads(body)
    elif kind == "ninjs":
        assert_valid_ninjs(body.decode())
    elif kind == "newsml":
        assert_valid_newsml(body)
    elif kind == "pull":
        for item in json.loads(body)["items"]:
            if "payload" in item:
                if item["format"] == "ninjs":
                    assert_valid_ninjs(item["payload"])
                else:
                    assert_valid_newsml(item["payload"])


def _key_page(path: str) -> tuple[str, int]:
    rest = path.removeprefix("/feeds/").rsplit("/", 1)[0]
    if "/archive/" in rest:
        key, page = rest.rsplit("/archive/", 1)
        return key, int(page)
    return rest, 0


# --- active content --------------------------------------------------------------------------

DANGEROUS_TAGS = {
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "form", "input",
    "button", "select", "textarea", "meta", "link", "svg", "math", "template", "noscript", "xml", "portal",
}  # fmt: skip
URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "cite", "background", "poster", "data", "srcset", "longdesc",
    "lowsrc", "dynsrc", "codebase", "ping", "manifest", "icon", "xlink:href", "{http://www.w3.org/1999/xlink}href",
}  # fmt: skip
SCRIPT_SCHEMES = ("javascript:", "vbscript:", "livescript:", "mocha:")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")


def _scheme_problem(tag: str, name: str, value: str) -> str | None:
    url = _INVISIBLE.sub("", html.unescape(value)).lower()
    if url.startswith(SCRIPT_SCHEMES):
        return f"<{tag} {name}> runs script: {value[:80]!r}"
    if url.startswith("data:") and not (
        tag == "img" and name == "src" and re.match(r"^data:image/(png|jpeg|gif|webp);", url)
    ):
        return f"<{tag} {name}> carries a data: URL: {value[:80]!r}"
    return None


def _element_problems(tag: str, attributes: dict[str, str]) -> Iterator[str]:
    local = tag.rsplit("}", 1)[-1].lower()
    if local in DANGEROUS_TAGS:
        yield f"<{local}> element"
    for name, value in attributes.items():
        short = name.rsplit("}", 1)[-1].lower()
        if short.startswith("on") or short in ("style", "srcdoc", "formaction"):
            yield f"<{local} {short}=...> attribute"
        if short in URL_ATTRIBUTES or name in URL_ATTRIBUTES:
            problem = _scheme_problem(local, short, value)
            if problem:
                yield problem


def html_problems(fragment: str) -> list[str]:
    """Active content in an HTML fragment, parsed as a browser parses ``innerHTML`` (html5lib)."""
    if "<" not in fragment:
        return []
    root = html5lib.parseFragment(fragment, container="div", treebuilder="etree", namespaceHTMLElements=False)
    problems = []
    for element in root.iter():
        if isinstance(element.tag, str):
            problems += list(_element_problems(element.tag, dict(element.attrib)))
    return problems


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def active_content(output: Output) -> list[str]:
    """Script-capable markup anywhere in the output: in its own markup, or in the HTML it carries."""
    problems: list[str] = []
    if output.kind in ("page", "json", "ninjs", "pull"):
        for text in _strings(json.loads(output.body)):
            problems += html_problems(text)
            if _INVISIBLE.sub("", text).lower().startswith(SCRIPT_SCHEMES):
                problems.append(f"a script URL as a value: {text[:80]!r}")
        if output.kind == "pull":
            for item in json.loads(output.body)["items"]:
                if isinstance(item.get("payload"), str):
                    problems += active_content(Output(output.where, "newsml", item["payload"].encode()))
        return [f"{output.where}: {p}" for p in problems]
    root = etree.fromstring(output.body)
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        # Inline XHTML (Atom content, NewsML inlineXML) is markup of the document itself; its text is text.
        xhtml = element.tag.startswith("{http://www.w3.org/1999/xhtml}")
        if xhtml:
            problems += list(_element_problems(element.tag, dict(element.attrib)))
        else:
            for name, value in element.attrib.items():
                if name.rsplit("}", 1)[-1] in ("href", "src", "url"):
                    problem = _scheme_problem(element.tag.rsplit("}", 1)[-1], name, value)
                    if problem:
                        problems.append(problem)
        parent = element.getparent()
        tail_in_xhtml = parent is not None and str(parent.tag).startswith("{http://www.w3.org/1999/xhtml}")
        for text, is_text in ((element.text, xhtml), (element.tail, tail_in_xhtml)):
            if text:
                if not is_text:  # elsewhere a text node may be HTML source (RSS description, Atom type="html")
                    problems += html_problems(text)
                if _INVISIBLE.sub("", text).lower().startswith(SCRIPT_SCHEMES):
                    problems.append(f"a script URL in <{element.tag}>: {text[:80]!r}")
    return [f"{output.where}: {p}" for p in problems]
