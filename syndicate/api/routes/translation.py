"""The translation desk over HTTP: translators and editors list, read, edit, approve and reject jobs.

Segment edits are masked texts: every ``<x id="N"/>`` of the source segment
must be kept (the job view lists what each one stands for). XLIFF 1.2 goes
out and comes back for CAT tools.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from syndicate.api.auth import Principal, Role, require
from syndicate.errors import Problem, ValidationFailed
from syndicate.pipeline.outbox import unit_of_work
from syndicate.settings import Settings
from syndicate.storage.db import get_database
from syndicate.translation import desk, xliff
from syndicate.translation.states import JobState

router = APIRouter(prefix="/v1/translation", tags=["translation"])
DESK = require(Role.translator, Role.editor)
EDITORS = require(Role.editor)


class SegmentEdits(BaseModel):
    model_config = ConfigDict(extra="forbid")
    segments: dict[str, str] = Field(description='Masked text per segment key, e.g. {"body.2": "… <x id=\\"1\\"/> …"}')


class Note(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str | None = Field(None, max_length=2000)


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _view(request: Request, job_id: int) -> dict[str, Any]:
    with get_database().read() as session:
        return desk.job_view(session, _settings(request), job_id)


def _uow(request: Request) -> Any:
    settings = _settings(request)
    return unit_of_work(get_database(), request.app.state.dispatcher, settings.step_deadline_seconds)


@router.get("/jobs", summary="Jobs by target language and state (role: translator or editor)")
def list_jobs(
    language: Annotated[str | None, Query(description="Target language: en, ckb, kmr or ar")] = None,
    state: Annotated[str | None, Query(description="Comma-separated states; default: what needs people")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    _: Principal = Depends(DESK),
) -> dict[str, Any]:
    states = [s.strip() for s in state.split(",") if s.strip()] if state else None
    unknown = [s for s in states or [] if s not in JobState.__members__]
    if unknown:  # a typo must not look like an empty desk
        raise ValidationFailed([Problem("state", f"unknown state(s) {', '.join(unknown)}")])
    with get_database().read() as session:
        return {"jobs": desk.list_jobs(session, language=language, states=states, limit=limit)}


@router.get("/jobs/{job_id}", summary="One job: source and draft side by side (role: translator or editor)")
def get_job(job_id: int, request: Request, _: Principal = Depends(DESK)) -> dict[str, Any]:
    return _view(request, job_id)


@router.put("/jobs/{job_id}/segments", summary="Submit edited segments (role: translator or editor)")
def put_segments(job_id: int, body: SegmentEdits, request: Request, who: Principal = Depends(DESK)) -> dict[str, Any]:
    with _uow(request) as uow:
        desk.submit(uow, job_id, body.segments, actor=who.name)
    return _view(request, job_id)


@router.post("/jobs/{job_id}/approve", summary="Approve and publish (role: editor)")
def approve(
    job_id: int, request: Request, body: Note | None = None, who: Principal = Depends(EDITORS)
) -> dict[str, Any]:
    with _uow(request) as uow:
        desk.approve(uow, _settings(request), job_id, actor=who.name, note=body.note if body else None)
    return _view(request, job_id)


@router.post("/jobs/{job_id}/reject", summary="Reject with a note for the translator (role: editor)")
def reject(job_id: int, body: Note, request: Request, who: Principal = Depends(EDITORS)) -> dict[str, Any]:
    with _uow(request) as uow:
        desk.reject(uow, job_id, actor=who.name, note=body.note or "")
    return _view(request, job_id)


@router.post("/jobs/{job_id}/retry", summary="Draft a failed or rejected job again (role: editor)")
def retry(job_id: int, request: Request, who: Principal = Depends(EDITORS)) -> dict[str, Any]:
    with _uow(request) as uow:
        desk.retry(uow, job_id, actor=who.name)
    return _view(request, job_id)


@router.get("/jobs/{job_id}/xliff", summary="The job as XLIFF 1.2 for CAT tools (role: translator or editor)")
def get_xliff(job_id: int, _: Principal = Depends(DESK)) -> Response:
    with get_database().read() as session:
        job = desk.get_job(session, job_id)
        body = xliff.export(session, job)
        name = f"job-{job.id}.{job.source_language}-{job.target_language}.xlf"
    return Response(
        body, media_type=xliff.CONTENT_TYPE, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.put("/jobs/{job_id}/xliff", summary="Import a translated XLIFF file (role: translator or editor)")
async def put_xliff(job_id: int, request: Request, who: Principal = Depends(DESK)) -> dict[str, Any]:
    data = await request.body()

    def work() -> dict[str, Any]:
        with _uow(request) as uow:
            _, count = xliff.import_(uow, job_id, data, actor=who.name)
        return {"imported": count, **_view(request, job_id)}

    return await run_in_threadpool(work)


@router.get("/backends", summary="Backends, their routes and circuit-breaker state (role: editor or admin)")
def backends(request: Request, _: Principal = Depends(require(Role.editor, Role.admin))) -> dict[str, Any]:
    with get_database().read() as session:
        return {"backends": desk.backends(session, _settings(request)), "jobs": desk.counts(session)}
