"""syndicate: multilingual publishing and syndication for a Kurdish news outlet.

The package is a plain library: domain model, languages, feeds, payloads,
storage, API and CLI. Celery lives in the top-level ``workers`` package and
only calls into this library.
"""

__version__ = "0.1.0"
