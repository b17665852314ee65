"""Partner syndication: partners and their keys, entitlements, per-partner sequences, pull and signed push.

- ``tables``: the partner tables (same metadata as ``syndicate.storage.models``).
- ``spec``, ``service``, ``keys``: partner management shared by the CLI and the admin API.
- ``entitlement``: who may see what (languages, sections, embargo, received stories).
- ``sequence``: the fan-out of new versions into each partner's sequence (and push deliveries).
- ``render``: per-partner payloads, built at pull or delivery time.
- ``pull``: the cursor listing and single-item reads of the pull API, with the access audit.
- ``delivery``, ``webhook``, ``retry``, ``ssrf``: signed push with retries, ordering and a circuit breaker.
"""
