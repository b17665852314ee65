"""Who gets translated, and how it may be published, per section and target language.

The policy comes from the ``translation_policy`` setting (inline JSON) or the
JSON file named by ``translation_policy_file``; without either, every article
is translated into every other language and nothing is published before a
human approves it. Example file::

    {
      "targets": ["en", "ckb", "kmr", "ar"],
      "publish": "review",
      "languages": {"ar": {"publish": "machine"}},
      "sections": {
        "opinion": {"targets": []},
        "sport": {"publish": {"kmr": "machine"}}
      }
    }

``publish: "machine"`` lets a complete machine draft go out at once, labelled
as machine-translated; the job still goes to the desk for review.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from syndicate.errors import Problem, ValidationFailed
from syndicate.languages.registry import LANGUAGES

if TYPE_CHECKING:
    from syndicate.settings import Settings

PublishMode = Literal["review", "machine"]
Publish = PublishMode | dict[str, PublishMode]


def _known(codes: list[str]) -> list[str]:
    unknown = [c for c in codes if c not in LANGUAGES]
    if unknown:
        raise ValueError(f"unknown language(s) {', '.join(unknown)}")
    return codes


class LanguagePolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")
    publish: PublishMode | None = None


class SectionPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")
    targets: list[str] | None = Field(None, description="Target languages; [] = no translation")
    publish: Publish | None = None

    _check_targets = field_validator("targets")(lambda cls, v: v if v is None else _known(v))


class TranslationPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")
    targets: list[str] = Field(default_factory=lambda: list(LANGUAGES))
    publish: Publish = "review"
    languages: dict[str, LanguagePolicy] = Field(default_factory=dict)
    sections: dict[str, SectionPolicy] = Field(default_factory=dict)

    _check_targets = field_validator("targets")(lambda cls, v: _known(v))

    def targets_for(self, section: str, source_language: str) -> list[str]:
        """Target languages of an article of ``section`` written in ``source_language``."""
        rule = self.sections.get(section)
        targets = rule.targets if rule is not None and rule.targets is not None else self.targets
        return [t for t in LANGUAGES if t in targets and t != source_language]

    def publish_mode(self, section: str, target: str) -> PublishMode:
        rule = self.sections.get(section)
        if rule is not None and rule.publish is not None:
            mode = _pick(rule.publish, target)
            if mode is not None:
                return mode
        lang = self.languages.get(target)
        if lang is not None and lang.publish is not None:
            return lang.publish
        return _pick(self.publish, target) or "review"


def _pick(publish: Publish, target: str) -> PublishMode | None:
    return publish if isinstance(publish, str) else publish.get(target)


@lru_cache(maxsize=8)
def _from_file(path: str, mtime: float) -> TranslationPolicy:
    try:
        return TranslationPolicy.model_validate(json.loads(Path(path).read_text("utf-8")))
    except (OSError, ValueError) as exc:
        raise ValidationFailed([Problem("translation_policy_file", f"{path}: {exc}")]) from None


def load_policy(settings: Settings) -> TranslationPolicy:
    """The effective policy: inline setting, else the data file, else the default."""
    if settings.translation_policy is not None:
        return settings.translation_policy
    path = settings.translation_policy_file
    if path is not None:
        try:
            mtime = path.stat().st_mtime
        except OSError as exc:
            raise ValidationFailed([Problem("translation_policy_file", f"{path}: {exc}")]) from None
        return _from_file(str(path), mtime)
    return TranslationPolicy()
