"""One canonical URL per article, everywhere: feeds, sitemaps and payloads link it, and the article page declares it.

A newsroom article's canonical URL is the newsroom's ``canonical_url`` (the
outlet's page); an article syndicate made itself (a machine translation) has
the service's own path under the site URL, which the article route serves.
"""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi.testclient import TestClient
from lxml import etree
from sqlalchemy import select

from syndicate.api.app import create_app
from syndicate.feeds.adapter import ATOM as ATOM_NS
from syndicate.feeds.urls import article_link, iri_to_uri
from syndicate.settings import Settings
from syndicate.storage.db import Database
from syndicate.storage.models import Article, ArticleVersion, FeedDocument, Payload, SiteDocument
from tests.api.conftest import NEWSROOM
from tests.helpers import article, examples
from tests.security.test_embargo import translator  # noqa: F401  (fixture)

ATOM = f"{{{ATOM_NS}}}"
NEWSML = "{http://iptc.org/std/nar/2006-10-01/}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def feed_links(fmt: str, body: bytes) -> list[str]:
    """Every link of every entry: the entry's own link and its alternate-language links."""
    if fmt == "json":
        items = json.loads(body)["items"]
        ext = [a["url"] for i in items for e in i.values() if isinstance(e, dict) for a in e.get("alternates", [])]
        return [i["url"] for i in items] + ext
    root = etree.fromstring(body)
    entries = root.iter("item") if fmt == "rss" else root.iter(f"{ATOM}entry")
    out = []
    for entry in entries:
        out += [entry.findtext("link")] if fmt == "rss" else []
        out += [a.get("href") for a in entry.findall(f"{ATOM}link") if a.get("rel", "alternate") == "alternate"]
    return [str(link) for link in out]


def payload_links(fmt: str, body: str) -> list[str]:
    """The web links of a payload: its own page and the pages of its other language versions."""
    if fmt == "ninjs":

        def walk(node: Any) -> list[str]:
            if isinstance(node, dict):
                here = [node["href"]] if node.get("name") == "web" else []
                return here + [h for v in node.values() for h in walk(v)]
            return [h for v in node for h in walk(v)] if isinstance(node, list) else []

        return walk(json.loads(body))
    root = etree.fromstring(body.encode())
    return [str(e.get("href")) for e in root.iter(f"{NEWSML}link") if e.get("contenttype") == "text/html"]


def declared(answer: Any) -> str:
    match = re.fullmatch(r'<([^>]+)>; rel="canonical"', answer.headers.get("link", ""))
    assert match, answer.headers
    return match[1]


def test_every_article_link_is_the_one_canonical_url(
    db: Database,
    translator: Settings,  # noqa: F811
) -> None:
    settings = translator
    client = TestClient(create_app(settings))
    docs = [*examples(), article(id="own-1", headline="Erbil opens a new water plant")]
    for doc in docs:
        assert client.post("/v1/articles", json=doc, headers=NEWSROOM).status_code in (200, 201)

    links: list[tuple[str, str]] = []
    with db.read() as session:
        for doc in session.scalars(select(FeedDocument)):
            links += [(f"feed {doc.feed_id} {doc.format} page {doc.page}", x) for x in feed_links(doc.format, doc.body)]
        for p in session.scalars(select(Payload)):
            links += [(f"payload {p.version_id} {p.format}", x) for x in payload_links(p.format, p.body)]
        for site in session.scalars(select(SiteDocument).where(SiteDocument.path.like("sitemaps/%"))):
            links += [("sitemap", str(x.text)) for x in etree.fromstring(site.body).iter(f"{SITEMAP}loc")]
        articles = {a.id: a for a in session.scalars(select(Article).where(Article.released.is_(True)))}
        versions = session.scalars(select(ArticleVersion).where(ArticleVersion.processed_at.is_not(None))).all()
        newsroom = {
            iri_to_uri(v.document["canonical_url"])
            for v in versions
            if v.article_id in articles and articles[v.article_id].origin == "newsroom"
        }
        current = {a.id: v for v in versions if (a := articles.get(v.article_id)) and v.version == a.current_version}
    origins = {a.origin for a in articles.values()}
    assert origins == {"newsroom", "translation"}, "the test needs articles of both kinds"
    assert {w.split()[0] for w, _ in links} == {"feed", "payload", "sitemap"}

    site = settings.site_url.rstrip("/")
    for where, link in links:
        if link in newsroom:
            continue
        assert link.startswith(site + "/"), f"{where}: {link} is neither a newsroom page nor under the site"
        answer = client.get(link.removeprefix(site), follow_redirects=False)
        if answer.status_code == 301:
            answer = client.get(answer.headers["location"], follow_redirects=False)
        assert answer.status_code == 200, f"{where}: {link} answers {answer.status_code}"
        assert declared(answer) == link, f"{where}: {link} declares another canonical URL"

    # Each article page declares the URL everything else links, and that URL is what they link.
    linked = {link for _, link in links}
    for article_id, version in current.items():
        a = articles[article_id]
        answer = client.get(iri_to_uri(version.rendition["path"]), follow_redirects=False)
        assert answer.status_code == 200, version.rendition["path"]
        canonical = article_link(settings, a.origin, version.document, version.rendition)
        assert declared(answer) == canonical == answer.json()["url"]
        assert canonical in linked, f"{a.newsroom_id}: {canonical} is linked from nowhere"
        if a.origin == "newsroom":
            assert canonical == iri_to_uri(version.document["canonical_url"])
        else:
            assert canonical == site + iri_to_uri(version.rendition["path"])
        for alternate in answer.json()["alternates"]:
            assert alternate["url"] in linked, f"{a.newsroom_id}: alternate {alternate['url']} is linked from nowhere"
