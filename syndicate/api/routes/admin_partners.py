"""Partner administration (role: admin): partners, their keys, deliveries and the access audit."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import select

from syndicate.api.auth import Principal, Role, require
from syndicate.errors import Problem, ValidationFailed
from syndicate.partners import keys, service
from syndicate.partners.spec import PartnerCreate, PartnerUpdate
from syndicate.partners.tables import PartnerAccess
from syndicate.pipeline.outbox import unit_of_work
from syndicate.storage.db import get_database
from syndicate.storage.types import utcnow

router = APIRouter(prefix="/v1/admin", tags=["admin: partners"])
Admin = Depends(require(Role.admin))


class KeyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: Annotated[str, StringConstraints(max_length=100)] = ""
    expires_at: AwareDatetime | None = None
    expires_in_days: Annotated[float, Field(gt=0, le=3650)] | None = None

    def expiry(self) -> datetime | None:
        if self.expires_at and self.expires_in_days:
            raise ValidationFailed([Problem("expires_at", "give expires_at or expires_in_days, not both")])
        if self.expires_in_days:
            return utcnow() + timedelta(days=self.expires_in_days)
        return self.expires_at


class ReplayRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ids: list[int] | None = Field(None, description="Dead deliveries to send again")
    partner: str | None = Field(None, description="Every dead delivery of this partner")


def _uow(request: Request) -> Any:
    settings = request.app.state.settings
    return unit_of_work(get_database(), request.app.state.dispatcher, settings.step_deadline_seconds)


@router.get("/partners", summary="Every partner with its circuit state and delivery counts (role: admin)")
def list_partners(_: Principal = Admin) -> list[dict[str, Any]]:
    with get_database().read() as session:
        return service.listing(session)


@router.post("/partners", status_code=201, summary="Add a partner; the webhook secret is shown once (role: admin)")
def add_partner(spec: PartnerCreate, request: Request, _: Principal = Admin) -> dict[str, Any]:
    with _uow(request) as uow:
        partner, secret, count = service.create(uow, request.app.state.settings, spec)
        body = service.view(uow.session, partner)
    return {**body, "webhook_secret": secret, "backfilled": count}


@router.get("/partners/{ref}", summary="One partner, by id or name (role: admin)")
def get_partner(ref: str, _: Principal = Admin) -> dict[str, Any]:
    with get_database().read() as session:
        return service.view(session, service.find(session, ref))


@router.patch("/partners/{ref}", summary="Change a partner's subscriptions, delivery or rules (role: admin)")
def update_partner(ref: str, spec: PartnerUpdate, request: Request, _: Principal = Admin) -> dict[str, Any]:
    with _uow(request) as uow:
        partner, secret = service.change(uow, request.app.state.settings, ref, spec)
        body = service.view(uow.session, partner)
    return {**body, "webhook_secret": secret} if secret else body


@router.post("/partners/{ref}/deactivate", summary="Switch a partner off (role: admin)")
def deactivate_partner(ref: str, _: Principal = Admin) -> dict[str, Any]:
    with get_database().transaction() as session:
        return service.view(session, service.deactivate(session, ref))


@router.post("/partners/{ref}/resume", summary="Close a paused partner's circuit (role: admin)")
def resume_partner(ref: str, request: Request, _: Principal = Admin) -> dict[str, Any]:
    with _uow(request) as uow:
        partner = service.resume(uow, ref)
        body = service.view(uow.session, partner)
    return body


@router.post("/partners/{ref}/webhook-secret", summary="Rotate the webhook secret; shown once (role: admin)")
def rotate_secret(ref: str, _: Principal = Admin) -> dict[str, str]:
    with get_database().transaction() as session:
        return {"webhook_secret": service.rotate_secret(session, ref)}


@router.post("/partners/{ref}/keys", status_code=201, summary="Issue an API key; shown once (role: admin)")
def create_key(ref: str, body: KeyRequest, _: Principal = Admin) -> dict[str, Any]:
    with get_database().transaction() as session:
        issued = keys.issue(session, service.find(session, ref), label=body.label, expires_at=body.expiry())
    return {
        "id": issued.id,
        "partner": issued.partner,
        "prefix": issued.prefix,
        "key": issued.secret,
        "label": issued.label,
        "expires_at": issued.expires_at.isoformat() if issued.expires_at else None,
    }


@router.get("/partners/{ref}/keys", summary="A partner's keys, never their secrets (role: admin)")
def list_keys(ref: str, _: Principal = Admin) -> list[dict[str, object]]:
    with get_database().read() as session:
        return keys.listing(session, service.find(session, ref))


@router.delete("/partners/{ref}/keys/{key}", summary="Revoke a key by id or prefix (role: admin)")
def revoke_key(ref: str, key: str, _: Principal = Admin) -> dict[str, Any]:
    with get_database().transaction() as session:
        row = keys.revoke(session, service.find(session, ref), key)
        revoked = row.revoked_at.isoformat() if row.revoked_at else None
        return {"id": row.id, "prefix": row.prefix, "revoked_at": revoked}


@router.get("/partners/{ref}/access", summary="The partner's recent pull API requests (role: admin)")
def access_log(ref: str, limit: int = Query(100, ge=1, le=1000), _: Principal = Admin) -> list[dict[str, Any]]:
    with get_database().read() as session:
        partner = service.find(session, ref)
        rows = session.scalars(
            select(PartnerAccess)
            .where(PartnerAccess.partner_id == partner.id)
            .order_by(PartnerAccess.id.desc())
            .limit(limit)
        )
        return [
            {"at": r.at.isoformat(), "method": r.method, "path": r.path, "status": r.status, "remote": r.remote}
            for r in rows
        ]


@router.get("/deliveries", summary="Push deliveries by partner and state (role: admin)")
def list_deliveries(
    partner: str | None = None,
    state: str | None = Query(None, description="pending, delivered or dead"),
    limit: int = Query(100, ge=1, le=1000),
    _: Principal = Admin,
) -> list[dict[str, Any]]:
    with get_database().read() as session:
        return service.deliveries(session, partner=partner, state=state, limit=limit)


@router.post("/deliveries/replay", summary="Send dead-lettered deliveries again (role: admin)")
def replay(body: ReplayRequest, request: Request, _: Principal = Admin) -> JSONResponse:
    if body.ids is None and body.partner is None:
        raise ValidationFailed([Problem("ids", "give ids or partner")])
    with _uow(request) as uow:
        results = service.replay(uow, ids=body.ids, partner=body.partner)
    return JSONResponse(results)
