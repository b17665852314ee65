"""Celery workers for syndicate: the app, the task base class and thin tasks."""
