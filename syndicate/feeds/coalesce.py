"""When to rebuild a changed feed: a trailing debounce with a maximum delay, and a minimum interval.

A burst of articles keeps a feed changing; rebuilding after each would cost
one rebuild per article. Waiting for ``debounce`` seconds of quiet, but never
longer than ``max_delay`` after the first change, bounds rebuilds per feed
to about one per ``max_delay`` during a burst, plus one at its end.

A steady stream has short quiet spells too (a worker busy with pushes for a
second is quiet for the feeds), and each would trigger a rebuild; rebuilds are
most of the work a busy pipeline does. So a feed is also rebuilt at most once
per ``min_interval``: a story published after a calm period shows after the
debounce, and while stories keep coming a feed is never more than
``max(max_delay, min_interval)`` behind.
"""

from __future__ import annotations

from datetime import datetime

from syndicate.storage.models import Feed


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
