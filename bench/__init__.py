"""syndicate's benchmark suite: ``python -m bench``. See bench/README.md."""
