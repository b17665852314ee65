"""The publishing pipeline: ingest, the outbox, steps and the sweeper.

Nothing here knows about Celery: steps are plain functions over a session,
and the next steps are handed to a :class:`~syndicate.pipeline.outbox.Dispatcher`
after the transaction commits (Celery in ``workers/``, in-process otherwise).
"""
