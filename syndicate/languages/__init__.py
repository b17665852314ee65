"""Languages: the registry, per-language normalisation, localization, glossary and slugs."""

from syndicate.languages.registry import LANGUAGES, Language, get_language, language_codes

__all__ = ["LANGUAGES", "Language", "get_language", "language_codes"]
