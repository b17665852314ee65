"""When to rebuild a changed feed: a trailing debounce with a maximum delay, and a minimum interval.

A burst of articles keeps a feed changing; rebuilding after each would cost
one rebuild per article. Waiting for ``debounce`` seconds of quiet, but never
longer than ``max_delay`` after the first change, bounds rebuilds per feed
to about one per ``max_delay`` during a burst, plus one at its end.

A steady stream has short quiet spells too (a worker busy with pushes for a
second is quiet for the feeds), and each would trigger a rebuild; rebuilds are
most of the work a busy pipeline does. So while more feed changes are owed
(versions waiting to be localized, translations to be drafted) a feed is
rebuilt at most once per ``min_interval``, and the rebuild that follows the
last change is held back by the debounce only. Tag and author feeds, many and
narrowly read, get a longer interval than language and section feeds.
"""

from __future__ import annotations

from datetime import datetime

from syndicate.settings import Settings
from syndicate.storage.models import Feed

# Tag and author feeds are many (one per tag, one per author) and each has few readers.
NARROW_KINDS = frozenset({"tag", "author"})


def min_interval(settings: Settings, kind: str) -> float:
    """Least time between two rebuilds of a feed of ``kind``."""
    if kind in NARROW_KINDS:
        return settings.render_min_interval_narrow_seconds
    return settings.render_min_interval_seconds


def wait_before_render(
    feed: Feed, now: datetime, *, debounce: float, max_delay: float, min_interval: float = 0.0
) -> float:
    """Seconds to wait before rebuilding ``feed`` (0: rebuild now)."""
    if feed.change_seq <= feed.rendered_seq or feed.last_changed_at is None:
        return 0.0
    quiet = (now - feed.last_changed_at).total_seconds()
    waited = (now - (feed.dirty_since or feed.last_changed_at)).total_seconds()
    spacing = min_interval - (now - feed.rendered_at).total_seconds() if feed.rendered_at else 0.0
    if quiet >= debounce or waited >= max_delay:
        return max(0.0, spacing)
    return max(0.05, min(debounce - quiet, max_delay - waited), spacing)
