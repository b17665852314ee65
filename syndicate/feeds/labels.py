"""The service's own words in feeds, in the feed's language, through the gettext catalogs."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from syndicate.feeds.families import FeedRef
from syndicate.feeds.spec import MediaSpec
from syndicate.languages.i18n import gettext
from syndicate.languages.localize import photo_credit, story_count, updated_on, wrap_body
from syndicate.languages.registry import LANGUAGES, get_language
from syndicate.languages.script import localize_digits
from syndicate.settings import Settings

# Section slugs and the catalog msgid of their label.
SECTIONS = {
    "kurdistan": "Kurdistan",
    "iraq": "Iraq",
    "syria": "Syria",
    "world": "World",
    "politics": "Politics",
    "economy": "Economy",
    "culture": "Culture",
    "sport": "Sport",
    "opinion": "Opinion",
}

MACHINE_TRANSLATION_TERM = "machine-translation"
CORRECTION_TERM = "correction"
UPDATED_TERM = "updated"


def _(lang: str, msgid: str, **values: str) -> str:
    text = gettext(lang, msgid)
    return text.format(**values) if values else text


def outlet(settings: Settings, language: str) -> str:
    return _(language, "{outlet}", outlet=settings.outlet_name)


def language_name(language: str, of: str) -> str:
    """The name of language ``of`` written in ``language`` (catalog msgids are the English names)."""
    known = LANGUAGES.get(of)
    return _(language, known.english_name) if known else of


def section_label(language: str, section: str) -> str:
    msgid = SECTIONS.get(section)
    return _(language, msgid) if msgid else section.replace("-", " ").title()


def feed_title(settings: Settings, ref: FeedRef) -> str:
    name = outlet(settings, ref.language)
    if ref.kind == "section":
        return _(ref.language, "{outlet}: {section}", outlet=name, section=section_label(ref.language, ref.value))
    if ref.kind == "tag":
        return _(ref.language, "{outlet}: stories tagged {tag}", outlet=name, tag=ref.label or ref.value)
    if ref.kind == "author":
        return _(ref.language, "{outlet}: stories by {author}", outlet=name, author=ref.label or ref.value)
    return name


def feed_description(settings: Settings, language: str) -> str:
    return _(
        language,
        "Latest stories from {outlet} in {language}",
        outlet=outlet(settings, language),
        language=language_name(language, language),
    )


def archive_title(language: str, title: str, count: int) -> str:
    """The title of an archive page, with how many stories it holds ("Archive of X: 50 stories")."""
    return _(language, "Archive of {title}: {count}", title=title, count=story_count(language, count))


def notice(language: str, text: str, kind: str) -> str:
    """A short paragraph shown above the story, carrying the direction of its language."""
    return wrap_body(f'<p class="{kind}"><strong>{escape(text)}</strong></p>', language)


def machine_translation_notice(language: str, source: str | None) -> str:
    if source:
        text = _(
            language,
            "Machine-translated from {language}; not yet reviewed by an editor",
            language=language_name(language, source),
        )
    else:
        text = _(language, "Machine translation")
    return notice(language, text, "machine-translation")


def translation_notice(language: str, source: str) -> str:
    text = _(language, "Translated from {language}", language=language_name(language, source))
    return notice(language, text, "translation")


def correction_notice(language: str, note: str | None) -> str:
    text = _(language, "Correction: {note}", note=note) if note else _(language, "Correction")
    return notice(language, text, "correction")


def updated_notice(language: str, date: str) -> str:
    return notice(language, updated_on(language, date), "updated")


def updated_label(language: str) -> str:
    return _(language, "Updated")


def figures(language: str, media: Sequence[MediaSpec]) -> str:
    """The images, each with its caption and the credit line ("Photo: ...") under it."""
    digits = get_language(language).digits
    parts = []
    for m in media:
        lines = [escape(localize_digits(m.description, digits))] if m.description else []
        if m.credit:
            lines.append(f'<small class="credit">{escape(photo_credit(language, m.credit))}</small>')
        caption = f"<figcaption>{'<br>'.join(lines)}</figcaption>" if lines else ""
        alt = escape(m.description or "", quote=True)
        parts.append(f'<figure><img src="{escape(m.url, quote=True)}" alt="{alt}">{caption}</figure>')
    return wrap_body("".join(parts), language) if parts else ""


def machine_translation_label(language: str) -> str:
    return _(language, "Machine translation")


def correction_label(language: str) -> str:
    return _(language, "Correction")
