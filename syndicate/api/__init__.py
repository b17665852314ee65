"""The HTTP API (FastAPI): ingest, feeds, partners, the desk, admin and health."""
