"""From a raw JSON document to a clean, validated article version.

Used by every ingest path (API, CLI, tests) so the rules cannot drift apart.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from syndicate.domain.article import Article, Status, Withdrawal
from syndicate.domain.cleaning import one_line, sanitize_html, scrub, visible_text
from syndicate.errors import Problem, TooLarge, ValidationFailed
from syndicate.languages.normalize import normalize

# Single-line fields: line breaks are collapsed; everything else keeps its breaks.
_TITLE_FIELDS = ("headline", "dateline")


def problems_from(exc: ValidationError) -> list[Problem]:
    """One problem per failing field, with a dotted path (``byline.0.name``)."""
    out = []
    for err in exc.errors(include_url=False):
        path = ".".join(str(p) for p in err["loc"])
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown field"
        elif err["type"] == "timezone_aware":
            msg = "naive datetime: give a time zone offset, e.g. 2020-01-21T14:05:00+03:00"
        out.append(Problem(path, msg))
    return out


def document_size(raw: Any) -> int:
    return len(json.dumps(raw, ensure_ascii=False, default=str).encode("utf-8", "surrogatepass"))


def parse_document(raw: Any, *, max_bytes: int, size: int | None = None) -> Article | Withdrawal:
    """Validate and clean one article document; raises ``ValidationFailed``/``TooLarge``."""
    if not isinstance(raw, dict):
        raise ValidationFailed([Problem("", f"expected a JSON object, got {type(raw).__name__}")])
    size = document_size(raw) if size is None else size
    if size > max_bytes:
        raise TooLarge([Problem("", f"article is {size} bytes; the limit is {max_bytes} bytes")])
    doc = scrub(raw)
    try:
        if doc.get("status") == Status.withdrawn and "headline" not in doc:
            return Withdrawal.model_validate(doc)
        article = Article.model_validate(doc)
    except ValidationError as exc:
        raise ValidationFailed(problems_from(exc)) from None
    return clean_article(article)


def clean_article(article: Article) -> Article:
    """Per-language normalisation of every text field, and the sanitised body."""
    lang = article.language

    def text(value: str | None, kind: str = "text") -> str | None:
        if value is None:
            return None
        return normalize(value, lang, "title" if kind == "title" else "text")  # type: ignore[arg-type]

    body = sanitize_html(normalize(article.body_html, lang, "text"))
    if not visible_text(body):
        raise ValidationFailed([Problem("body_html", "empty once unsafe markup is removed")])
    update: dict[str, Any] = {
        "headline": one_line(text(article.headline, "title") or ""),
        "standfirst": text(article.standfirst),
        "body_html": body,
        "dateline": one_line(text(article.dateline, "title") or "") or None,
        "tags": [one_line(text(t, "title") or "") for t in article.tags],
        "byline": [a.model_copy(update={"name": one_line(text(a.name, "title") or "")}) for a in article.byline],
        "media": [
            m.model_copy(
                update={
                    "caption": text(m.caption),
                    "credit": one_line(text(m.credit, "title") or "") or None,
                    "rights_holder": text(m.rights_holder, "title"),
                }
            )
            for m in article.media
        ],
        "correction_note": text(article.correction_note),
    }
    if not update["headline"]:
        raise ValidationFailed([Problem("headline", "empty once cleaned")])
    # Re-validate so that the cleaned document still meets every constraint.
    try:
        return Article.model_validate({**article.model_dump(), **update})
    except ValidationError as exc:
        raise ValidationFailed(problems_from(exc)) from None
