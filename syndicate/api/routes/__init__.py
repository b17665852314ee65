"""API routers, one module per audience."""
