"""Partner payloads: one module per format (ninjs, NewsML-G2)."""
