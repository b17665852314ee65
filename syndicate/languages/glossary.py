"""The glossary of names and terms: places, institutions, people, recurring terms.

Editors keep it in a JSON file (``languages/data/glossary.json``, or the file
named by ``SYNDICATE_GLOSSARY_PATH``); it is validated when loaded and read
again when it changes. Localization uses it for structured fields (dateline,
section, tags); translation backends get its term pairs as terminology.

A term has one name per language (English is required: it is the fallback
for languages the term has no name in yet) and optional aliases (other
spellings that should be recognised, e.g. ``Arbil``, ``Hawler``).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from syndicate.errors import Problem, ValidationFailed
from syndicate.languages.normalize import normalize
from syndicate.languages.registry import LANGUAGES

DEFAULT_PATH = Path(__file__).parent / "data" / "glossary.json"
Kind = Literal["place", "institution", "person", "term", "section"]
_PARTS = re.compile(r"\s*[,،]\s*")


class _TermModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")]
    kind: Kind
    names: dict[str, Annotated[str, StringConstraints(min_length=1, max_length=200)]]
    aliases: dict[str, list[Annotated[str, StringConstraints(min_length=1, max_length=200)]]] = {}
    note: str | None = None


class _GlossaryModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: Literal[1] = Field(description="Format version of the file")
    terms: list[_TermModel]


@dataclass(frozen=True)
class Term:
    id: str
    kind: str
    names: dict[str, str]
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def name(self, language: str) -> str:
        """The term's name in ``language``, or its English name when it has none there."""
        return self.names.get(language) or self.names["en"]

    def forms(self, language: str) -> tuple[str, ...]:
        """Every way the term is written in ``language``: its name first, then aliases."""
        name = self.names.get(language)
        return ((name,) if name else ()) + self.aliases.get(language, ())


def _key(text: str, language: str) -> str:
    return normalize(text, language, "key")


class Glossary:
    """Validated terms with a lookup by any name or alias, in any language."""

    def __init__(self, terms: list[Term]):
        self.terms = terms
        self._by_id = {t.id: t for t in terms}
        self._index: dict[str, Term] = {}
        for term in terms:
            for lang in set(term.names) | set(term.aliases):
                for form in term.forms(lang):
                    self._index.setdefault(_key(form, lang), term)

    def get(self, term_id: str) -> Term | None:
        return self._by_id.get(term_id)

    def find(self, text: str) -> Term | None:
        """The term ``text`` names, whatever language or alias it is written in."""
        for lang in LANGUAGES:
            term = self._index.get(_key(text, lang))
            if term is not None:
                return term
        return None

    def localize_name(self, text: str, language: str) -> str:
        """``text`` as written in ``language``: a known term's name there, else unchanged.

        Text that is already one of the term's forms in ``language`` is kept as the
        editor wrote it (``ERBIL`` in an English dateline stays upper case).
        """
        term = self.find(text)
        if term is None:
            return text
        own = {_key(f, language) for f in term.forms(language)}
        return text if _key(text, language) in own else term.name(language)

    def localize_dateline(self, dateline: str, language: str, comma: str = ",") -> str:
        """Each comma-separated part of a dateline through :meth:`localize_name`."""
        parts = [p for p in _PARTS.split(dateline.strip()) if p]
        return f"{comma} ".join(self.localize_name(p, language) for p in parts)

    def term_pairs(self, source: str, target: str, kinds: Collection[str] | None = None) -> list[tuple[str, str]]:
        """Terminology for translating ``source`` → ``target``: (source form, target name).

        Only terms named in both languages (and of ``kinds``, when given);
        aliases map to the target name too. Each source form appears once, so
        the list can feed a vendor glossary.
        """
        pairs: dict[str, str] = {}
        for term in self.terms:
            if source not in term.names or target not in term.names:
                continue
            if kinds is not None and term.kind not in kinds:
                continue
            for form in term.forms(source):
                pairs.setdefault(form, term.names[target])
        return sorted(pairs.items())


def parse_glossary(data: Any) -> Glossary:
    """Validate glossary data; raises ``ValidationFailed`` with one problem per fault."""
    try:
        model = _GlossaryModel.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(
            [Problem(".".join(str(p) for p in e["loc"]), e["msg"]) for e in exc.errors(include_url=False)]
        ) from None
    problems: list[Problem] = []
    seen_ids: set[str] = set()
    owner: dict[str, str] = {}
    for i, t in enumerate(model.terms):
        where = f"terms.{i}"
        if t.id in seen_ids:
            problems.append(Problem(f"{where}.id", f"duplicate id {t.id!r}"))
        seen_ids.add(t.id)
        if "en" not in t.names:
            problems.append(Problem(f"{where}.names", "an English name is required (the fallback)"))
        for group, values in (("names", {k: [v] for k, v in t.names.items()}), ("aliases", t.aliases)):
            for lang, forms in values.items():
                if lang not in LANGUAGES:
                    problems.append(Problem(f"{where}.{group}.{lang}", f"unknown language {lang!r}"))
                    continue
                for form in forms:
                    if form != normalize(form, lang, "title"):
                        expected = normalize(form, lang, "title")
                        problems.append(Problem(f"{where}.{group}.{lang}", f"{form!r} is not normalised: {expected!r}"))
                    key = _key(form, lang)
                    if owner.setdefault(key, t.id) != t.id:
                        problems.append(Problem(f"{where}.{group}.{lang}", f"{form!r} also names term {owner[key]!r}"))
    if problems:
        raise ValidationFailed(problems)
    return Glossary(
        [Term(t.id, t.kind, dict(t.names), {k: tuple(v) for k, v in t.aliases.items()}) for t in model.terms]
    )


def load_glossary(path: Path) -> Glossary:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValidationFailed([Problem(str(path), f"cannot read the glossary: {exc}")]) from None
    try:
        return parse_glossary(data)
    except ValidationFailed as exc:
        raise ValidationFailed([Problem(f"{path}: {p.field}", p.message) for p in exc.problems]) from None


_lock = threading.Lock()
_cache: dict[Path, tuple[float, Glossary]] = {}


def get_glossary(path: Path | None = None) -> Glossary:
    """The glossary in use (settings.glossary_path or the built-in one), reloaded when the file changes."""
    if path is None:
        from syndicate.settings import get_settings

        path = get_settings().glossary_path or DEFAULT_PATH
    mtime = path.stat().st_mtime if path.exists() else -1.0
    with _lock:
        cached = _cache.get(path)
        if cached and cached[0] == mtime:
            return cached[1]
    glossary = load_glossary(path)
    with _lock:
        _cache[path] = (mtime, glossary)
    return glossary


def term_pairs(source: str, target: str, kinds: Collection[str] | None = None) -> list[tuple[str, str]]:
    """Terminology of the glossary in use for a language pair (for translation backends)."""
    return get_glossary().term_pairs(source, target, kinds)
