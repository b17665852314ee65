"""Placeholders: what a backend may not touch, replaced before it sees a segment.

A masked segment is escaped HTML text with ``<x id="N"/>`` tokens (the XLIFF
1.2 inline element, so CAT tools show them as locked tags). Tokens stand for
inline markup (``<a href=…>``, ``</a>``, ``<br>``), protected names, numbers and
URLs. An answer must carry every token exactly once, in the source order, and
no other markup; anything else is a :class:`PlaceholderMismatch`, never a
silently corrupted translation.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from html import escape, unescape
from typing import Any, Literal

from syndicate.errors import PlaceholderMismatch
from syndicate.translation.terms import TermPair

Kind = Literal["tag", "term", "number", "url"]


def token(n: int) -> str:
    return f'<x id="{n}"/>'


# Lenient on input: engines echo tokens as <x id="1"/>, <x id=1>, <x id="1"></x>, with spaces.
TOKEN_RE = re.compile(r"""<x\s+id\s*=\s*["']?(\d+)["']?\s*/?\s*>(?:\s*</x\s*>)?""", re.IGNORECASE)
_TAG_RE = re.compile(r"""<(?:[^>"']|"[^"]*"|'[^']*')*>""")
_ANY_MARKUP = re.compile(r"</?[A-Za-z!?][^>]*>")
_URL_RE = re.compile(r"""(?:https?://|www\.)[^\s<>"']+""", re.IGNORECASE)
_URL_TRAIL = ".,;:!?)]}»\"'"
# Digits of any script (\d), with group and decimal separators; not glued to a preceding letter ("G7").
_NUMBER_RE = re.compile(r"(?<![\w.,٫٬])\d+(?:[.,٫٬]\d+)*")


@dataclass(frozen=True)
class Placeholder:
    id: int
    kind: Kind
    source: str  # raw markup for tags; plain text for names, numbers and URLs
    target: str | None = None  # a protected name's form in the target language

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Placeholder:
        return cls(int(data["id"]), data["kind"], data["source"], data.get("target"))


@dataclass(frozen=True)
class Masked:
    text: str
    placeholders: tuple[Placeholder, ...]

    @property
    def ids(self) -> list[int]:
        return [p.id for p in self.placeholders]


Piece = str | tuple[Kind, str, str | None]  # plain text, or (kind, source, target)
Finder = Callable[[str], list[tuple[int, int, Kind, str, str | None]]]


def _urls(text: str) -> list[tuple[int, int, Kind, str, str | None]]:
    out: list[tuple[int, int, Kind, str, str | None]] = []
    for m in _URL_RE.finditer(text):
        url = m.group(0).rstrip(_URL_TRAIL)
        out.append((m.start(), m.start() + len(url), "url", url, None))
    return out


def _term_finder(terms: Sequence[TermPair]) -> Finder:
    if not terms:
        return lambda text: []
    by_fold = {t.source.casefold(): t for t in terms}
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(t.source) for t in terms) + r")(?!\w)", re.IGNORECASE)

    def find(text: str) -> list[tuple[int, int, Kind, str, str | None]]:
        out: list[tuple[int, int, Kind, str, str | None]] = []
        for m in pattern.finditer(text):
            term = by_fold[m.group(0).casefold()]
            target = term.target
            # A dateline's "ERBIL" stays upper case in a Latin-script target ("HEWLÊR").
            if m.group(0).isupper() and target.upper() != target:
                target = target.upper()
            out.append((m.start(), m.end(), "term", m.group(0), target))
        return out

    return find


def _numbers(text: str) -> list[tuple[int, int, Kind, str, str | None]]:
    return [(m.start(), m.end(), "number", m.group(0), None) for m in _NUMBER_RE.finditer(text)]


def _split(text: str, finders: Sequence[Finder]) -> list[Piece]:
    """Cut plain text into text and protected spans; earlier finders win (URLs hold digits)."""
    if not finders:
        return [text] if text else []
    pieces: list[Piece] = []
    last = 0
    for start, end, kind, source, target in finders[0](text):
        pieces += _split(text[last:start], finders[1:])
        pieces.append((kind, source, target))
        last = end
    pieces += _split(text[last:], finders[1:])
    return pieces


def _build(pieces: Iterable[Piece]) -> Masked:
    out: list[str] = []
    placeholders: list[Placeholder] = []
    for piece in pieces:
        if isinstance(piece, str):
            out.append(escape(piece, quote=False))
        else:
            kind, source, target = piece
            placeholders.append(Placeholder(len(placeholders) + 1, kind, source, target))
            out.append(token(len(placeholders)))
    return Masked("".join(out), tuple(placeholders))


def mask_plain(text: str, terms: Sequence[TermPair] = ()) -> Masked:
    """Mask a plain-text field (headline, dateline, caption...)."""
    return _build(_split(text, (_urls, _term_finder(terms), _numbers)))


def mask_html(fragment: str, terms: Sequence[TermPair] = ()) -> Masked:
    """Mask the inner HTML of one block: every tag becomes a placeholder, then the protected spans."""
    finders = (_urls, _term_finder(terms), _numbers)
    pieces: list[Piece] = []
    last = 0
    for m in _TAG_RE.finditer(fragment):
        pieces += _split(unescape(fragment[last : m.start()]), finders)
        pieces.append(("tag", m.group(0), None))
        last = m.end()
    pieces += _split(unescape(fragment[last:]), finders)
    return _build(pieces)


def check(answer: str, placeholders: Sequence[Placeholder]) -> str:
    """The answer with canonical tokens, or :class:`PlaceholderMismatch` saying what went wrong."""
    found = [int(m.group(1)) for m in TOKEN_RE.finditer(answer)]
    expected = [p.id for p in placeholders]
    counts = Counter(found)
    lost = [i for i in expected if i not in counts]
    if lost:
        raise PlaceholderMismatch(f"placeholder {_ids(lost)} lost")
    doubled = sorted(i for i, n in counts.items() if n > 1)
    if doubled:
        raise PlaceholderMismatch(f"placeholder {_ids(doubled)} duplicated")
    unknown = sorted(set(found) - set(expected))
    if unknown:
        raise PlaceholderMismatch(f"unknown placeholder {_ids(unknown)}")
    if found != expected:
        raise PlaceholderMismatch(f"placeholders reordered: expected {_ids(expected)}, got {_ids(found)}")
    rest = TOKEN_RE.sub("", answer)
    stray = _ANY_MARKUP.search(rest)
    if stray:
        raise PlaceholderMismatch(f"unexpected markup {stray.group(0)[:40]!r} in the answer")
    if not unescape(rest).strip() and not expected:
        raise PlaceholderMismatch("empty answer")
    return TOKEN_RE.sub(lambda m: token(int(m.group(1))), answer).strip()


def _ids(ids: Iterable[int]) -> str:
    return ", ".join(f"#{i}" for i in ids)


def restore(
    text: str, placeholders: Sequence[Placeholder], *, html: bool, side: Literal["source", "target"] = "target"
) -> str:
    """Put the placeholders back: HTML for body blocks, plain text for the other fields.

    ``side="source"`` shows the original names (the desk's source column).
    """
    by_id = {p.id: p for p in placeholders}
    out: list[str] = []
    last = 0
    for m in TOKEN_RE.finditer(text):
        out.append(_text(text[last : m.start()], html))
        p = by_id.get(int(m.group(1)))
        if p is None:
            raise PlaceholderMismatch(f"unknown placeholder #{m.group(1)}")
        if p.kind == "tag":
            out.append(p.source if html else "")
        else:
            value = p.target if side == "target" and p.target is not None else p.source
            out.append(escape(value, quote=False) if html else value)
        last = m.end()
    out.append(_text(text[last:], html))
    return "".join(out)


def _text(piece: str, html: bool) -> str:
    return piece if html else unescape(piece)


def from_dicts(rows: Iterable[dict[str, Any]]) -> tuple[Placeholder, ...]:
    return tuple(Placeholder.from_dict(r) for r in rows)
