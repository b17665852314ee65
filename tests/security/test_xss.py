"""An XSS corpus goes into every text field of articles; nothing script-capable comes out anywhere.

Every output is read back (feeds in three formats with their archive pages,
OPML, sitemaps, article pages, stored payloads, the pull API in both formats,
pushed bodies, the desk's XLIFF), checked valid for its format, and scanned:
no script-capable element, no event handler or style attribute, no
``javascript:``-like or ``data:`` URL (but inline images), neither in the
document's own markup nor in any HTML it carries. Plain-text fields carry no
markup at all.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from syndicate.settings import Settings
from syndicate.storage.db import Database
from syndicate.storage.types import utcnow
from syndicate.translation.tables import TranslationJob
from tests.api.conftest import EDITOR, NEWSROOM
from tests.partners.endpoint import PartnerEndpoint
from tests.partners.support import add_partner, issue_key
from tests.security.outputs import (
    Output,
    active_content,
    html_problems,
    payload_outputs,
    public_outputs,
    pull_outputs,
    validate,
)

CORPUS = [
    "<script>alert('xss')</script>",
    "<SCRIPT SRC=http://xss.example/x.js></SCRIPT>",
    "<img src=x onerror=alert('xss')>",
    "<IMG SRC=\"javascript:alert('xss');\">",
    "<IMG SRC=JaVaScRiPt:alert('xss')>",
    '<IMG SRC=`javascript:alert("xss")`>',
    "<a href=\"jav&#x09;ascript:alert('xss')\">tab</a>",
    "<a href=\"&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert('xss')\">entities</a>",
    "<a href=\" javascript:alert('xss')\">space</a>",
    "<a href=\"java\0script:alert('xss')\">nul</a>",
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data</a>',
    '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    "<svg onload=alert('xss')>",
    "<svg><script>alert('xss')</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert('xss')>",
    "<iframe src=\"javascript:alert('xss')\"></iframe>",
    "<iframe srcdoc=\"<script>alert('xss')</script>\"></iframe>",
    "<object data=\"javascript:alert('xss')\"></object>",
    "<embed src=\"javascript:alert('xss')\">",
    "<body onload=alert('xss')>",
    "<div style=\"background:url(javascript:alert('xss'))\">styled</div>",
    "<style>@import 'http://xss.example/x.css';</style>",
    "<link rel=stylesheet href=\"javascript:alert('xss')\">",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(\'xss\')">',
    "<form action=\"javascript:alert('xss')\"><button formaction=\"javascript:alert('xss')\">go</button></form>",
    "<input onfocus=alert('xss') autofocus>",
    "<details open ontoggle=alert('xss')>",
    "<p onmouseover=\"alert('xss')\">hover</p>",
    "<blockquote cite=\"javascript:alert('xss')\">quoted</blockquote>",
    "<q cite=\"javascript:alert('xss')\">q</q>",
    "<a href=\"vbscript:msgbox('xss')\">vb</a>",
    "<!--<script>alert('xss')</script>-->",
    "<![CDATA[<script>alert('xss')</script>]]>",
    "<scr<script>ipt>alert('xss')</scr</script>ipt>",
    "\"><script>alert('xss')</script>",
    "'><img src=x onerror=alert('xss')>",
    '<img src="x" onerror="&#97;lert(\'xss\')">',
    "<base href=\"javascript:alert('xss')//\">",
    "<template><script>alert('xss')</script></template>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert('xss')>\">",
    "<img srcset=\"javascript:alert('xss') 1x\">",
    "<video poster=javascript:alert('xss')>",
    "<time datetime=\"x\" onclick=alert('xss')>t</time>",
    "&lt;script&gt;alert('xss')&lt;/script&gt;",
    "&amp;lt;img src=x onerror=alert('xss')&amp;gt;",
    "]]><script>alert('xss')</script><![CDATA[",
    "<?xml-stylesheet href=\"javascript:alert('xss')\"?>",
    "<x:script xmlns:x=\"http://www.w3.org/1999/xhtml\">alert('xss')</x:script>",
]


def hostile(i: int, payload: str) -> dict:
    now = utcnow()
    return {
        "id": f"xss-{i}",
        "version": 1,
        "language": ("en", "ckb", "kmr", "ar")[i % 4],
        "status": "corrected",
        "headline": f"Story {i} {payload}"[:400],
        "standfirst": payload,
        "body_html": f"<p>Safe paragraph {i}.</p>{payload}<p>{payload} after</p>",
        "byline": [{"name": f"Reporter {i} {payload}"[:200], "role": payload[:100]}],
        "dateline": f"ERBIL {payload}"[:200],
        "section": "kurdistan",
        "tags": [payload[:80], "Erbil"],
        "published_at": (now - timedelta(hours=1)).isoformat(),
        "canonical_url": f"https://chira.example/en/kurdistan/{i}",
        "media": [
            {
                "url": "https://media.chira.example/a.jpg",
                "caption": payload,
                "credit": payload[:300],
                "rights_holder": payload[:200],
                "partner_redistribution": True,
            }
        ],
        "rights": {"copyright_holder": payload[:200], "usage_terms": payload},
        "correction_note": payload,
    }


# Inert in an HTML fragment as browsers parse it: comments, CDATA and processing instructions are
# comments there, a prefixed element is not <script>, <body> inside a fragment is dropped, entities are
# text, a backtick-quoted or NUL-split "javascript:" is no scheme, "<scr<script>" is an element of that name.
INERT = {
    '<IMG SRC=`javascript:alert("xss")`>',
    "<a href=\"java\0script:alert('xss')\">nul</a>",
    "<scr<script>ipt>alert('xss')</scr</script>ipt>",
    "<!--<script>alert('xss')</script>-->",
    "<![CDATA[<script>alert('xss')</script>]]>",
    "<?xml-stylesheet href=\"javascript:alert('xss')\"?>",
    "<x:script xmlns:x=\"http://www.w3.org/1999/xhtml\">alert('xss')</x:script>",
    "<body onload=alert('xss')>",
    "&lt;script&gt;alert('xss')&lt;/script&gt;",
    "&amp;lt;img src=x onerror=alert('xss')&amp;gt;",
}


def test_the_checker_sees_what_it_must() -> None:
    """The scanner itself: every live corpus entry, unsanitised, is caught."""
    missed = {p for p in CORPUS if not html_problems(f"<div>{p}</div>")}
    assert missed == INERT


@pytest.mark.slow
def test_xss_corpus_is_stripped_from_every_output(
    client: TestClient, db: Database, settings: Settings, endpoint: PartnerEndpoint
) -> None:
    _, secret = add_partner(
        db,
        settings,
        "everything",
        languages=["en", "ckb", "kmr", "ar"],
        formats=["ninjs", "newsml"],
        webhook_url=endpoint.url,
        allow_private_webhook=True,
        all_images=True,
    )
    endpoint.secret = secret or ""
    key = issue_key(db, "everything")
    stored = 0
    for i, payload in enumerate(CORPUS):
        answer = client.post("/v1/articles", json=hostile(i, payload), headers=NEWSROOM)
        assert answer.status_code in (201, 422), f"{payload!r}: {answer.status_code} {answer.text}"
        stored += answer.status_code == 201
    assert stored >= len(CORPUS) - 2, "hostile markup should be cleaned away, not refuse the story"

    outputs = public_outputs(client, db) + payload_outputs(db) + pull_outputs(client, key)
    outputs += [Output(f"push {r.webhook_id}", "ninjs", r.body) for r in endpoint.receipts]
    with db.read() as session:
        jobs = list(session.scalars(select(TranslationJob.id).limit(8)))
    for job_id in jobs:
        xliff = client.get(f"/v1/translation/jobs/{job_id}/xliff", headers=EDITOR)
        assert xliff.status_code == 200
        outputs.append(Output(f"xliff {job_id}", "xliff", xliff.content))
    kinds = {o.kind for o in outputs}
    assert {"rss", "atom", "json", "opml", "sitemap", "page", "ninjs", "newsml", "pull", "xliff"} <= kinds
    problems = []
    for output in outputs:
        if output.kind == "xliff":
            from lxml import etree

            etree.fromstring(output.body)  # well-formed for the CAT tool; its text is text
            continue
        validate(output, settings)
        problems += active_content(output)
    assert not problems, "\n".join(problems[:20])
