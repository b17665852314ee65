"""Feeds: declarative specs, one writer per format, stored and exported documents."""
