"""Translation: jobs, segments, backends, the desk, and the gate before anything is published.

- ``jobs``: planning from processed newsroom versions (stale, cancelled, superseded)
- ``segments`` / ``placeholders`` / ``terms``: what a backend sees, and what it may not touch
- ``backends``: one contract, a registry, one module per provider
- ``engine`` / ``step``: the ``translate`` pipeline step (no transaction held during a call)
- ``memory`` / ``cache`` / ``breaker``: stored human segments, stored answers, backend health
- ``desk`` / ``xliff``: translators and editors; ``publish``: the only way a translation goes out
- ``states`` / ``tables`` / ``policy``: the state machine, its tables, who gets translated how
"""
