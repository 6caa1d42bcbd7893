"""One record by its id, for the GUI (which imports no models: the services own every query).

Each reader takes an open session and returns the stored row, or None when there is none; the
caller reads its attributes inside the session (or after it: sessions do not expire on commit).
The lists a page shows come from the statements of the services of its area.
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from qsdesk.store.db import Store
from qsdesk.store.models import (
    DutyCheck,
    Enterprise,
    FollowUpStep,
    Inspection,
    InspectionPlan,
    Inspector,
    RiskReport,
    Sampling,
    Setting,
    SyncConflict,
    TaskChecklist,
)


def enterprise(session: Session, enterprise_id: str | None) -> Enterprise | None:
    return session.get(Enterprise, enterprise_id) if enterprise_id else None


def enterprise_name(session: Session, enterprise_id: str | None) -> str:
    """The enterprise's name ("" when unknown)."""
    ent = enterprise(session, enterprise_id)
    return ent.name if ent is not None else ""


def enterprise_names(session: Session, ids: set[str] | list[str]) -> dict[str, str]:
    """Names of the enterprises with these ids."""
    if not ids:
        return {}
    return {str(i): str(n) for i, n in session.execute(
        select(Enterprise.id, Enterprise.name).where(Enterprise.id.in_(list(ids))))}


def find_enterprises(session: Session, text: str, limit: int) -> list[tuple[str, str, str | None]]:
    """(id, name, credit code) of the enterprises whose name or credit code contains ``text``
    (all when empty), by name, at most ``limit``."""
    stmt = select(Enterprise.id, Enterprise.name, Enterprise.uscc).where(Enterprise.deleted.is_(False))
    if text:
        like = f"%{text}%"
        stmt = stmt.where(or_(Enterprise.name.like(like), Enterprise.uscc.like(like)))
    stmt = stmt.order_by(Enterprise.name).limit(limit)
    return [(r[0], r[1], r[2]) for r in session.execute(stmt)]


def inspection(session: Session, inspection_id: str | None) -> Inspection | None:
    return session.get(Inspection, inspection_id) if inspection_id else None


def risk_report(session: Session, report_id: str | None) -> RiskReport | None:
    return session.get(RiskReport, report_id) if report_id else None


def sampling(session: Session, sampling_id: str | None) -> Sampling | None:
    return session.get(Sampling, sampling_id) if sampling_id else None


def followup_step(session: Session, step_id: str | None) -> FollowUpStep | None:
    return session.get(FollowUpStep, step_id) if step_id else None


def task_checklist(session: Session, checklist_id: str | None) -> TaskChecklist | None:
    return session.get(TaskChecklist, checklist_id) if checklist_id else None


def duty_check(session: Session, duty_check_id: str | None) -> DutyCheck | None:
    return session.get(DutyCheck, duty_check_id) if duty_check_id else None


def inspection_plan(session: Session, plan_id: str | None) -> InspectionPlan | None:
    return session.get(InspectionPlan, plan_id) if plan_id else None


def sync_conflict(session: Session, conflict_id: str | None) -> SyncConflict | None:
    return session.get(SyncConflict, conflict_id) if conflict_id else None


def local_setting(store: Store, key: str) -> str | None:
    """The value of a local (not synced) setting, None when not set."""
    with store.session() as s:
        row = s.get(Setting, key)
        return row.value if row is not None else None


def set_local_setting(store: Store, key: str, value: str) -> None:
    with store.transaction() as s:
        s.merge(Setting(key=key, value=value))


def all_inspectors(session: Session) -> list[tuple[str, str]]:
    """(id, name) of the not deleted inspectors (active or not), by name."""
    return [(str(i), str(n)) for i, n in session.execute(
        select(Inspector.id, Inspector.name).where(Inspector.deleted.is_(False)).order_by(Inspector.name))]


def active_inspectors(session: Session) -> list[tuple[str, str]]:
    """(id, name) of the active, not deleted inspectors, by name."""
    return [(str(i), str(n)) for i, n in session.execute(
        select(Inspector.id, Inspector.name).where(Inspector.deleted.is_(False), Inspector.active.is_(True))
        .order_by(Inspector.name))]
