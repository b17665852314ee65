"""The domain: what the newsroom publishes, and how it is cleaned at ingest."""
