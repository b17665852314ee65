"""The pipeline's wiring in one place: every step with its queue, and every hook.

Steps run on Celery (``workers/`` makes one task per entry) or in-process
(``pipeline.run``); both read ``STEPS`` from here.

    ingest ─▶ process ─┬─▶ payload ─▶ partner fan-out ─▶ deliver (push)
                       ├─▶ translate (jobs per target language)
                       └─▶ render (coalesced per feed) ─┬─▶ websub
                                                        └─▶ export (folder for nginx)
    sweeper ─▶ embargo release ─▶ feeds, partner fan-out
"""

from __future__ import annotations

from syndicate.feeds.steps import EXPORT, WEBSUB, export, mark_archive_pages, owe_websub, websub
from syndicate.partners.delivery import deliver
from syndicate.partners.sequence import DELIVER, on_payload, on_release
from syndicate.pipeline import hooks
from syndicate.pipeline.ingest import PROCESS
from syndicate.pipeline.publish import RENDER
from syndicate.pipeline.steps import PAYLOAD, StepInfo, payload, process, render
from syndicate.translation.step import TRANSLATE, plan_translations, translate

STEPS: dict[str, StepInfo] = {
    PROCESS: StepInfo(process, "ingest", batch=20),
    PAYLOAD: StepInfo(payload, "render", batch=20),
    RENDER: StepInfo(render, "render", batch=10),
    # Writes committed documents to the export folder (only owed when SYNDICATE_EXPORT_DIR is set).
    EXPORT: StepInfo(export, "render", batch=10),
    # One job (article version x target language) per message: slow providers never hold up a batch.
    TRANSLATE: StepInfo(translate, "translate", batch=1),
    # One delivery per message: its HTTP call has its own time-out and retry schedule.
    DELIVER: StepInfo(deliver, "deliver", batch=1),
    WEBSUB: StepInfo(websub, "deliver", batch=10),
}

hooks.PROCESSED[:] = [mark_archive_pages, plan_translations]
hooks.RENDERED[:] = [owe_websub]
hooks.PAYLOAD_BUILT[:] = [on_payload]
hooks.RELEASED[:] = [on_release]
