"""From a raw JSON document to a clean, validated article version.

Used by every ingest path (API, CLI, tests) so the rules cannot drift apart.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from pydantic import ValidationError

from syndicate.domain.article import Article, Status, Withdrawal
from syndicate.domain.cleaning import one_line, plain_text, sanitize_html, scrub, visible_text
from syndicate.errors import Problem, TooLarge, ValidationFailed
from syndicate.languages.normalize import normalize, normalize_html, warnings

log = logging.getLogger("syndicate.editorial")

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


MAX_DEPTH = 32  # an article is a few levels deep; thousands of levels only exhaust the stack


def too_deep(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether lists and objects nest deeper than ``limit`` (checked without recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return False


def document_size(raw: Any) -> int:
    return len(json.dumps(raw, ensure_ascii=False, default=str).encode("utf-8", "surrogatepass"))


def parse_document(raw: Any, *, max_bytes: int, size: int | None = None) -> Article | Withdrawal:
    """Validate and clean one article document; raises ``ValidationFailed``/``TooLarge``."""
    if not isinstance(raw, dict):
        raise ValidationFailed([Problem("", f"expected a JSON object, got {type(raw).__name__}")])
    if too_deep(raw):
        raise ValidationFailed([Problem("", f"nested deeper than {MAX_DEPTH} levels")])
    size = document_size(raw) if size is None else size
    if size > max_bytes:
        raise TooLarge([Problem("", f"article is {size} bytes; the limit is {max_bytes} bytes")])
    doc = scrub(raw)
    try:
        if doc.get("status") == Status.withdrawn and "headline" not in doc:
            withdrawal = Withdrawal.model_validate(doc)
            reason = plain_text(withdrawal.reason) if withdrawal.reason else None
            return withdrawal.model_copy(update={"reason": reason})
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
        return normalize(plain_text(value), lang, "title" if kind == "title" else "text")

    # Sanitise first, then normalise only the text: attribute values (URLs) keep their bytes.
    body = normalize_html(sanitize_html(article.body_html), lang)
    if not visible_text(body):
        raise ValidationFailed([Problem("body_html", "empty once unsafe markup is removed")])

    def line(value: str | None) -> str | None:
        return one_line(text(value, "title") or "") or None

    update: dict[str, Any] = {
        "headline": line(article.headline) or "",
        "standfirst": text(article.standfirst),
        "body_html": body,
        "dateline": line(article.dateline),
        # A tag made only of invisible characters disappears rather than failing validation.
        "tags": [t for t in (line(t) for t in article.tags) if t],
        "byline": [a.model_copy(update={"name": line(a.name) or "", "role": line(a.role)}) for a in article.byline],
        "media": [
            m.model_copy(
                update={"caption": text(m.caption), "credit": line(m.credit), "rights_holder": line(m.rights_holder)}
            )
            for m in article.media
        ],
        "rights": article.rights.model_copy(
            update={
                "copyright_holder": line(article.rights.copyright_holder),
                "usage_terms": text(article.rights.usage_terms),
            }
        ),
        "correction_note": text(article.correction_note),
    }
    if not update["headline"]:
        raise ValidationFailed([Problem("headline", "empty once cleaned")])
    # Re-validate so that the cleaned document still meets every constraint.
    try:
        return Article.model_validate({**article.model_dump(), **update})
    except ValidationError as exc:
        raise ValidationFailed(problems_from(exc)) from None


def log_warnings(article: Article, problems: list[Problem]) -> None:
    """Not errors: the text is stored as written; the desk sees these in the logs and the ingest answer."""
    for problem in problems:
        log.warning(
            "spelling to check in %s v%s %s",
            article.id,
            article.version,
            problem,
            extra={"article": article.id, "version": article.version, "field": problem.field},
        )


def orthography_warnings(article: Article) -> list[Problem]:
    """Words in a cleaned article that the normaliser could not fix safely, per field."""
    lang = article.language
    fields: list[tuple[str, str | None]] = [
        ("headline", article.headline),
        ("standfirst", article.standfirst),
        ("body_html", visible_text(article.body_html)),
        ("dateline", article.dateline),
        ("correction_note", article.correction_note),
    ]
    fields += [(f"tags.{i}", t) for i, t in enumerate(article.tags)]
    fields += [(f"byline.{i}.name", a.name) for i, a in enumerate(article.byline)]
    fields += [(f"media.{i}.caption", m.caption) for i, m in enumerate(article.media)]
    return [Problem(name, message) for name, value in fields if value for message in warnings(value, lang)]
