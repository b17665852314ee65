"""Protected terms: names a machine must not translate freely.

:func:`protected_terms` is the only function the translation workflow calls:
source and target language in, ``(source form, target form)`` pairs out. The
names come from the glossary editors keep in ``syndicate/languages/data/``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TermPair:
    """How a protected name is written in the source language and in the target language."""

    source: str
    target: str
    note: str = ""


NAME_KINDS = ("place", "institution", "person")


def protected_terms(source_language: str, target_language: str) -> tuple[TermPair, ...]:
    """Protected names of ``source_language`` with their ``target_language`` form, longest first.

    The names (places, institutions, people) come from the editors' glossary
    (``syndicate.languages.glossary``), plus the outlet's own name, which is
    never translated. Common terms in the glossary (tags such as "Water") are
    not protected: a translator or engine must be free to inflect them.
    """
    # Late imports: settings imports the backends, which import this module.
    from syndicate.languages.glossary import term_pairs
    from syndicate.settings import get_settings

    pairs = {form: TermPair(form, name) for form, name in term_pairs(source_language, target_language, NAME_KINDS)}
    outlet = get_settings().outlet_name
    pairs.setdefault(outlet, TermPair(outlet, outlet))
    # Longest first, so "Kurdistan Region" wins over a shorter name inside it.
    return tuple(sorted(pairs.values(), key=lambda p: (-len(p.source), p.source)))
