"""The Celery configuration the reliability of the pipeline rests on (see shared/docs/celery.md).

JSON only, late acknowledgement, redelivery when a worker dies, prefetch 1, no result backend, every
task routed to its named queue, and the Redis visibility timeout set in all three places Celery reads it.
The routing is checked on the wire: messages sent through the real dispatcher are read back from Redis.
"""

from __future__ import annotations

import base64
import json

import pytest
import redis
from celery import Celery

from syndicate.pipeline.outbox import Message
from syndicate.pipeline.registry import STEPS
from syndicate.settings import get_settings, reset_settings
from workers.app import QUEUES, configure

pytestmark = pytest.mark.redis
NAMED_QUEUES = {"ingest", "translate", "render", "deliver", "maintenance"}


@pytest.fixture
def app(redis_url: str, monkeypatch: pytest.MonkeyPatch) -> Celery:
    monkeypatch.setenv("SYNDICATE_BROKER_URL", redis_url)
    monkeypatch.setenv("SYNDICATE_VISIBILITY_TIMEOUT", "4321")  # not the default: each place must follow it
    reset_settings()
    return configure(get_settings())


def test_json_only_late_acks_redelivery_prefetch_one_no_results(app: Celery) -> None:
    conf = app.conf
    assert conf.task_serializer == "json" and conf.result_serializer == "json"
    assert list(conf.accept_content) == ["json"]
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_ignore_result is True and conf.result_backend is None
    for step in STEPS:
        task = app.tasks[f"syndicate.{step}"]
        assert task.acks_late is True and task.reject_on_worker_lost is True, step
        assert task.ignore_result is True, step


def test_visibility_timeout_is_set_in_all_three_places(app: Celery) -> None:
    conf = app.conf
    assert conf.broker_transport_options["visibility_timeout"] == 4321
    assert conf.result_backend_transport_options["visibility_timeout"] == 4321
    assert conf.visibility_timeout == 4321
    # Above the hard time limit: a running task is never handed to a second worker.
    assert conf.visibility_timeout > conf.task_time_limit


def test_every_task_is_routed_to_a_named_queue(app: Celery) -> None:
    routes = app.conf.task_routes
    assert set(QUEUES) == NAMED_QUEUES
    assert {name for name in app.tasks if name.startswith("syndicate.")} == set(routes)
    for step, info in STEPS.items():
        assert routes[f"syndicate.{step}"] == {"queue": info.queue}
    assert {r["queue"] for r in routes.values()} <= NAMED_QUEUES
    assert routes["syndicate.sweep"] == routes["syndicate.sitemaps"] == {"queue": "maintenance"}
    assert {STEPS[s].queue for s in ("process", "translate", "render", "deliver")} == {
        "ingest",
        "translate",
        "render",
        "deliver",
    }


def test_messages_reach_their_queue_in_redis_as_json(app: Celery, redis_url: str) -> None:
    from workers.dispatch import CeleryDispatcher

    client = redis.Redis.from_url(redis_url)
    CeleryDispatcher().send([Message(step, 7) for step in STEPS])
    seen: dict[str, str] = {}
    for queue in NAMED_QUEUES:
        for raw in client.lrange(queue, 0, -1):
            envelope = json.loads(raw)
            assert envelope["content-type"] == "application/json"
            task = envelope["headers"]["task"]
            assert envelope["properties"]["delivery_info"]["routing_key"] == queue
            body = json.loads(base64.b64decode(envelope["body"]))
            assert body[0] == [[7]], body  # args: one list of ids
            seen[task] = queue
    assert seen == {f"syndicate.{step}": info.queue for step, info in STEPS.items()}
