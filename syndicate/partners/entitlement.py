"""Who may see what. Pure rules over partner and article rows, used by fan-out and by the pull API.

- Subscriptions: the article's language must be one of the partner's; its section too,
  unless the partner takes every section (empty list).
- Embargo: nothing before the embargo lifts, unless the partner is trusted for embargoed
  material (the embargo then travels with the item as metadata).
- Received stories: a partner that received a story gets every later version of it
  (corrections, updates) and its withdrawal, even if its subscriptions changed since.
- Images: only those marked for partner redistribution, unless the partner is licensed
  for every image (``all_images``); see ``PayloadContext.for_partner``.
"""

from __future__ import annotations

from enum import StrEnum

from syndicate.partners.tables import Partner, as_list
from syndicate.storage.models import Article, ArticleVersion


class Kind(StrEnum):
    """Why an item is in a partner's sequence."""

    new = "new"  # the first version this partner gets
    update = "update"  # a later version
    correction = "correction"
    withdrawal = "withdrawal"  # pubstatus canceled


def subscribed(partner: Partner, language: str, section: str) -> bool:
    sections = as_list(partner.sections)
    return language in as_list(partner.languages) and (not sections or section in sections)


def visible(partner: Partner, article: Article) -> bool:
    """The article's content may reach this partner now (ignoring subscriptions).

    An untrusted partner waits for the release (the sweeper lifts embargoes), never
    for the clock alone: release is what makes an article public everywhere at once.
    """
    if article.withdrawn:
        return False
    if article.released:
        return True
    # Not public: only an embargo may be shared early, and only with trusted partners.
    return partner.trusted_embargo and article.embargo_until is not None


def offered(partner: Partner, article: Article, version: ArticleVersion, *, received: bool) -> bool:
    """Whether a new version goes into this partner's sequence."""
    if not partner.active:
        return False
    if version.status == "withdrawn":
        return received  # a takedown reaches everyone who had the story, and no one else
    if not visible(partner, article):
        return False
    return received or subscribed(partner, article.language, article.section)


def readable(partner: Partner, article: Article, *, received: bool) -> bool:
    """Whether the pull API may show this article to the partner."""
    if article.withdrawn:
        return received
    if not visible(partner, article):
        return False
    return received or subscribed(partner, article.language, article.section)


def kind_of(version: ArticleVersion, *, received: bool) -> Kind:
    if version.status == "withdrawn":
        return Kind.withdrawal
    if version.status == "corrected":
        return Kind.correction
    return Kind.update if received else Kind.new


def show_embargo(partner: Partner) -> bool:
    """Trusted partners get the embargo as metadata; others only ever see released items."""
    return partner.trusted_embargo
