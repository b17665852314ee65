"""When to rebuild a changed feed: a trailing debounce with a maximum delay.

A burst of articles keeps a feed changing; rebuilding after each would cost
one rebuild per article. Waiting for ``debounce`` seconds of quiet, but never
longer than ``max_delay`` after the first change, bounds rebuilds per feed
to about one per ``max_delay`` during a burst, plus one at its end.
"""

from __future__ import annotations

from datetime import datetime

from syndicate.storage.models import Feed


def wait_before_render(feed: Feed, now: datetime, *, debounce: float, max_delay: float) -> float:
    """Seconds to wait before rebuilding ``feed`` (0: rebuild now)."""
    if feed.change_seq <= feed.rendered_seq or feed.last_changed_at is None:
        return 0.0
    quiet = (now - feed.last_changed_at).total_seconds()
    waited = (now - (feed.dirty_since or feed.last_changed_at)).total_seconds()
    if quiet >= debounce or waited >= max_delay:
        return 0.0
    return max(0.05, min(debounce - quiet, max_delay - waited))
