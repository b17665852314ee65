"""The service's own words: every msgid it writes into feeds, payloads and pages.

Listed here (marked with ``N_``) so that extraction always finds them, whichever
module formats them; translate them with ``i18n.gettext(lang, msgid).format(...)``.
Section labels and language names are msgids too.
"""

from __future__ import annotations

from syndicate.languages.i18n import N_, N_plural

FEED_TITLE = N_("{outlet}")
FEED_DESCRIPTION = N_("Latest stories from {outlet} in {language}")
SECTION_FEED_TITLE = N_("{outlet}: {section}")
TAG_FEED_TITLE = N_("{outlet}: stories tagged {tag}")
AUTHOR_FEED_TITLE = N_("{outlet}: stories by {author}")
# {count} is STORY_COUNT, already formatted: "Archive of Chira News: 50 stories".
ARCHIVE_TITLE = N_("Archive of {title}: {count}")
PHOTO_CREDIT = N_("Photo: {credit}")
CORRECTION = N_("Correction")
CORRECTION_NOTE = N_("Correction: {note}")
UPDATED = N_("Updated")
UPDATED_ON = N_("Updated {date}")
MACHINE_TRANSLATION = N_("Machine translation")
MACHINE_TRANSLATED_FROM = N_("Machine-translated from {language}; not yet reviewed by an editor")
TRANSLATED_FROM = N_("Translated from {language}")
WITHDRAWN = N_("This story was withdrawn.")
# Plural: ngettext(lang, *STORY_COUNT, n).format(n=...)
STORY_COUNT = N_plural("{n} story", "{n} stories")

LANGUAGE_NAMES = (N_("English"), N_("Kurdish (Sorani)"), N_("Kurdish (Kurmanji)"), N_("Arabic"))

# Section slug -> label msgid. Sections missing here take their label from the glossary.
SECTION_LABELS: dict[str, str] = {
    "kurdistan": N_("Kurdistan"),
    "iraq": N_("Iraq"),
    "syria": N_("Syria"),
    "world": N_("World"),
    "politics": N_("Politics"),
    "economy": N_("Economy"),
    "culture": N_("Culture"),
    "sport": N_("Sport"),
    "opinion": N_("Opinion"),
}
