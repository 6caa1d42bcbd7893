"""SQLAlchemy 2.0 models for every qsdesk record.

Every syncable row (``SyncMixin``) has a UUID text key, a per-record revision ``rev``, the UTC
time of its last change, the code of the node that created it (``origin``), a soft-delete flag
and ``change_seq``, a node-local, strictly increasing number stamped on every local write so a
bundle export can ask "everything changed since sequence N" without trusting wall clocks.
The stamping happens in :mod:`qsdesk.store.db` (a ``before_flush`` hook); bulk inserts that
bypass the ORM must fill these columns themselves (see ``qsdesk.store.bulk``).

Types are portable (SQLite by default, PostgreSQL for a county hub): UUIDs as 36-char text,
JSON via the generic ``JSON`` type, money as ``Numeric``.

Longer than 500 lines on purpose: the whole schema is one ``Base.metadata`` that Alembic, the
sync table list and the length limits read, and a reader checks a synced table against its
neighbours in one place; the declarations hold no logic to split.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_id() -> str:
    return str(uuid.uuid4())


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {
        dict[str, Any]: JSON,
        list[Any]: JSON,
        datetime: DateTime(timezone=True),
        Decimal: Numeric(14, 2),
    }


class SyncMixin:
    """Columns every record that travels in a sync bundle carries."""

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    rev: Mapped[int] = mapped_column(Integer, default=1, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(nullable=False)
    origin: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    deleted: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    change_seq: Mapped[int] = mapped_column(Integer, default=0, nullable=False, index=True)


# --------------------------------------------------------------------------- local, not synced


class Node(Base):
    """This installation (``is_self``) and the peers enrolled with it."""

    __tablename__ = "node"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))  # "station" | "county"
    is_self: Mapped[bool] = mapped_column(Boolean, default=False)
    parent_code: Mapped[str | None] = mapped_column(String(32))
    public_key: Mapped[str | None] = mapped_column(Text)  # base64 raw Ed25519 public key
    enc_public_key: Mapped[str | None] = mapped_column(Text)  # base64 raw X25519 public key
    enrolled_at: Mapped[datetime | None]


class Setting(Base):
    __tablename__ = "setting"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Counter(Base):
    """Node-local counters (``change_seq``, record numbers)."""

    __tablename__ = "counter"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class Draft(Base):
    """Autosaved, not yet saved form content; survives a crash, never synced."""

    __tablename__ = "draft"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    form_id: Mapped[str] = mapped_column(String(64))
    form_version: Mapped[int] = mapped_column(Integer)
    record_table: Mapped[str | None] = mapped_column(String(64))
    record_id: Mapped[str | None] = mapped_column(String(36))
    enterprise_id: Mapped[str | None] = mapped_column(String(36))
    content: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime]


class Account(Base):
    __tablename__ = "account"
    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    inspector_id: Mapped[str | None] = mapped_column(ForeignKey("inspector.id"))
    role: Mapped[str] = mapped_column(String(16), default="inspector")  # "chief" | "inspector"
    password_hash: Mapped[str] = mapped_column(Text)
    failed_count: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_at: Mapped[datetime | None]
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class BlobFile(Base):
    """An attachment's bytes, stored once by SHA-256 under the data dir's attachments/."""

    __tablename__ = "blob_file"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    mime: Mapped[str] = mapped_column(String(100), default="application/octet-stream")
    created_at: Mapped[datetime]


class SyncPeerState(Base):
    __tablename__ = "sync_peer_state"
    peer_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_seq_sent: Mapped[int] = mapped_column(Integer, default=0)
    last_seq_received: Mapped[int] = mapped_column(Integer, default=0)
    acked_change_seq: Mapped[int] = mapped_column(Integer, default=0)


class BundleLog(Base):
    __tablename__ = "bundle_log"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    direction: Mapped[str] = mapped_column(String(8))  # "out" | "in"
    peer_code: Mapped[str] = mapped_column(String(32))
    seq: Mapped[int] = mapped_column(Integer)
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="ok")
    __table_args__ = (UniqueConstraint("direction", "peer_code", "seq", name="uq_bundle_log_dir_peer_seq"),)


class SyncConflict(Base):
    __tablename__ = "sync_conflict"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    table_name: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[str] = mapped_column(String(36))
    kept: Mapped[dict[str, Any]] = mapped_column(default=dict)
    other: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(64))
    resolution: Mapped[str | None] = mapped_column(String(16))  # "kept" | "other"


# --------------------------------------------------------------------------- synced records


class Inspector(SyncMixin, Base):
    __tablename__ = "inspector"
    name: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(32))
    badge_no: Mapped[str | None] = mapped_column(String(32))  # 执法证号
    station_code: Mapped[str] = mapped_column(String(32), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Enterprise(SyncMixin, Base):
    """An industrial-product producer or seller (annex 3 census is its form)."""

    __tablename__ = "enterprise"
    uscc: Mapped[str | None] = mapped_column(String(18), index=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    legal_rep: Mapped[str | None] = mapped_column(String(64))
    registration_authority: Mapped[str | None] = mapped_column(String(100))
    province: Mapped[str | None] = mapped_column(String(32))
    city: Mapped[str | None] = mapped_column(String(32))
    county: Mapped[str | None] = mapped_column(String(32))
    town: Mapped[str | None] = mapped_column(String(64), index=True)
    address: Mapped[str | None] = mapped_column(String(255))
    jurisdiction: Mapped[str | None] = mapped_column(String(64))  # station code / name
    contact: Mapped[str | None] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(32))
    domain: Mapped[str | None] = mapped_column(String(16))  # 生产/流通/电商/其他
    status: Mapped[str | None] = mapped_column(String(32))
    unit_types: Mapped[str] = mapped_column(String(64), default="")  # "producer,retailer"
    individual_business: Mapped[bool] = mapped_column(Boolean, default=False)
    staff: Mapped[int | None] = mapped_column(Integer)
    revenue_wan: Mapped[Decimal | None]
    grade: Mapped[str | None] = mapped_column(String(1), index=True)
    supervision_class: Mapped[str] = mapped_column(String(16), default="routine", index=True)
    class_reasons: Mapped[str | None] = mapped_column(Text)
    credit_risk: Mapped[str | None] = mapped_column(String(16))
    responsible_inspector_id: Mapped[str | None] = mapped_column(ForeignKey("inspector.id"), index=True)
    responsible_since: Mapped[date | None] = mapped_column(Date)  # the current supervisor's start
    # when the enterprise first had a responsible supervisor: the half-year visits are owed from
    # then on, and a change of supervisor does not move it (an overdue half-year stays overdue)
    visits_since: Mapped[date | None] = mapped_column(Date)
    # responsible_since was not given and is the import date (shown as such)
    responsible_since_assumed: Mapped[bool | None] = mapped_column(Boolean, default=False)
    entry_reason: Mapped[str | None] = mapped_column(Text)
    abnormal_status: Mapped[str | None] = mapped_column(String(64))
    quality_director: Mapped[str | None] = mapped_column(String(64))
    quality_officer: Mapped[str | None] = mapped_column(String(64))
    form_id: Mapped[str | None] = mapped_column(String(64))
    form_version: Mapped[int | None] = mapped_column(Integer)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)  # census fields with no column

    products: Mapped[list[Product]] = relationship(back_populates="enterprise", lazy="selectin")
    responsible: Mapped[Inspector | None] = relationship(lazy="joined")


class Product(SyncMixin, Base):
    __tablename__ = "product"
    enterprise_id: Mapped[str] = mapped_column(ForeignKey("enterprise.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str | None] = mapped_column(String(100))
    nominal_producer: Mapped[str | None] = mapped_column(String(200))
    standard: Mapped[str | None] = mapped_column(String(100))
    licence_type: Mapped[str | None] = mapped_column(String(32))  # 工业产品生产许可证/CCC/其他
    certificate_no: Mapped[str | None] = mapped_column(String(64))
    enterprise: Mapped[Enterprise] = relationship(back_populates="products")


class SupervisorAssignment(SyncMixin, Base):
    """Who is the named responsible supervisor of an enterprise, since when (001 二(一))."""

    __tablename__ = "supervisor_assignment"
    enterprise_id: Mapped[str] = mapped_column(ForeignKey("enterprise.id"), index=True)
    inspector_id: Mapped[str] = mapped_column(ForeignKey("inspector.id"))
    assigned_on: Mapped[date] = mapped_column(Date)  # the day the responsibility changed
    recorded_on: Mapped[date] = mapped_column(Date)  # the day it was entered
    reason: Mapped[str | None] = mapped_column(Text)


class EnforcementCase(SyncMixin, Base):
    """A case or punishment: feeds the supervision class and the monthly table."""

    __tablename__ = "enforcement_case"
    __table_args__ = (Index("ix_enforcement_case_origin", "origin"),)  # see Inspection
    enterprise_id: Mapped[str] = mapped_column(ForeignKey("enterprise.id"), index=True)
    case_no: Mapped[str | None] = mapped_column(String(64))
    filed_on: Mapped[date] = mapped_column(Date, index=True)
    decided_on: Mapped[date | None] = mapped_column(Date)
    cause: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32), default="quality")  # quality/licence/ccc/two_rules
    penalty: Mapped[str | None] = mapped_column(String(32))  # warning/fine/…
    heavier: Mapped[bool] = mapped_column(Boolean, default=False)  # 从重处罚
    fine_yuan: Mapped[Decimal | None]


class Inspection(SyncMixin, Base):
    """An on-site inspection record (annex 4 producer / annex 5 seller). Draft → sealed."""

    __tablename__ = "inspection"
    enterprise_id: Mapped[str] = mapped_column(ForeignKey("enterprise.id"), index=True)
    form_id: Mapped[str] = mapped_column(String(64))
    form_version: Mapped[int] = mapped_column(Integer)
    record_no: Mapped[str | None] = mapped_column(String(32), index=True)
    inspected_on: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)  # draft/sealed
    values: Mapped[dict[str, Any]] = mapped_column(default=dict)  # every non-checklist field
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)  # item_key -> {answer, note}
    result: Mapped[str | None] = mapped_column(String(64))
    opinion: Mapped[str | None] = mapped_column(String(16))  # 同意/有异议/拒签
    opinion_text: Mapped[str | None] = mapped_column(Text)
    inspector1_id: Mapped[str | None] = mapped_column(ForeignKey("inspector.id"), index=True)
    inspector2_id: Mapped[str | None] = mapped_column(ForeignKey("inspector.id"))
    problems_found: Mapped[int] = mapped_column(Integer, default=0)
    problems_fixed: Mapped[int] = mapped_column(Integer, default=0)
    sealed_at: Mapped[datetime | None]
    sealed_by: Mapped[str | None] = mapped_column(String(64))
    content_hash: Mapped[str | None] = mapped_column(String(64))
    amends_id: Mapped[str | None] = mapped_column(ForeignKey("inspection.id"), index=True)

    signatures: Mapped[list[Signature]] = relationship(back_populates="inspection", lazy="selectin")
    # origin: the stations a county holds records of (monthly.station_origins, one probe each)
    __table_args__ = (Index("ix_inspection_enterprise_date", "enterprise_id", "inspected_on"),
                      Index("ix_inspection_origin", "origin"))


class Signature(SyncMixin, Base):
    """A captured signature (vector strokes + rendered PNG) or a recorded refusal."""

    __tablename__ = "signature"
    inspection_id: Mapped[str] = mapped_column(ForeignKey("inspection.id"), index=True)
    role: Mapped[str] = mapped_column(String(32))  # enterprise / inspector1 / inspector2
    signer_name: Mapped[str | None] = mapped_column(String(64))
    strokes: Mapped[list[Any]] = mapped_column(default=list)
    png: Mapped[bytes | None] = mapped_column(LargeBinary)
    refused: Mapped[bool] = mapped_column(Boolean, default=False)
    signed_at: Mapped[datetime | None]
    inspection: Mapped[Inspection] = relationship(back_populates="signatures")


class AttachmentLink(SyncMixin, Base):
    __tablename__ = "attachment_link"
    owner_table: Mapped[str] = mapped_column(String(64))
    owner_id: Mapped[str] = mapped_column(String(36))
    sha256: Mapped[str] = mapped_column(ForeignKey("blob_file.sha256"))
    filename: Mapped[str] = mapped_column(String(255))
    caption: Mapped[str | None] = mapped_column(String(255))
    __table_args__ = (Index("ix_attachment_link_owner", "owner_table", "owner_id"),)


class RiskReport(SyncMixin, Base):
    """Annex 6 产品质量安全风险信息采集表."""

    __tablename__ = "risk_report"
    enterprise_id: Mapped[str | None] = mapped_column(ForeignKey("enterprise.id"), index=True)
    form_id: Mapped[str] = mapped_column(String(64))
    form_version: Mapped[int] = mapped_column(Integer)
    reported_on: Mapped[date] = mapped_column(Date, index=True)
    sources: Mapped[list[Any]] = mapped_column(default=list)
    product_name: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    investigation: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="collected")  # collected/verified/closed
    values: Mapped[dict[str, Any]] = mapped_column(default=dict)
    reporter_id: Mapped[str | None] = mapped_column(ForeignKey("inspector.id"))
    # <station>-<year>-<serial>, given when the report is first saved (services.serials)
    report_no: Mapped[str | None] = mapped_column(String(32), index=True)


class Sampling(SyncMixin, Base):
    """A supervision sampling (监督抽查) result (003, 004)."""

    __tablename__ = "sampling"
    enterprise_id: Mapped[str] = mapped_column(ForeignKey("enterprise.id"), index=True)  # producer
    seller_id: Mapped[str | None] = mapped_column(ForeignKey("enterprise.id"))
    task_name: Mapped[str | None] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(16), default="county")  # national/provincial/city/county
    organiser: Mapped[str | None] = mapped_column(String(100))
    year: Mapped[int | None] = mapped_column(Integer)
    batch: Mapped[str | None] = mapped_column(String(64))
    product_name: Mapped[str] = mapped_column(String(200))
    trademark: Mapped[str | None] = mapped_column(String(100))
    model: Mapped[str | None] = mapped_column(String(100))
    standard: Mapped[str | None] = mapped_column(String(100))
    production_batch: Mapped[str | None] = mapped_column(String(100))
    sampled_on: Mapped[date] = mapped_column(Date, index=True)
    result: Mapped[str] = mapped_column(String(16))  # 合格/不合格/拒检
    nonconforming_items: Mapped[str | None] = mapped_column(Text)
    major_hazard: Mapped[bool] = mapped_column(Boolean, default=False)
    report_received_on: Mapped[date | None] = mapped_column(Date)  # 不合格报告收到日
    report_delivered_on: Mapped[date | None] = mapped_column(Date)  # 报告送达企业之日 (objection window start)
    followup_closed_on: Mapped[date | None] = mapped_column(Date)
    __table_args__ = (Index("ix_sampling_enterprise_date", "enterprise_id", "sampled_on"),)


class FollowUpStep(SyncMixin, Base):
    """One step of a non-conforming result's follow-up (后处理, 004)."""

    __tablename__ = "followup_step"
    sampling_id: Mapped[str] = mapped_column(ForeignKey("sampling.id"), index=True)
    step: Mapped[str] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(Integer, default=0)
    due_on: Mapped[date | None] = mapped_column(Date, index=True)
    done_on: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)


class RiskReportLink(SyncMixin, Base):
    """An enterprise a risk report concerns (annex 6 names a producer and a seller)."""

    __tablename__ = "risk_report_link"
    risk_report_id: Mapped[str] = mapped_column(ForeignKey("risk_report.id"), index=True)
    enterprise_id: Mapped[str] = mapped_column(ForeignKey("enterprise.id"), index=True)
    role: Mapped[str] = mapped_column(String(16), default="producer")  # producer / seller / other


class InspectionPlan(SyncMixin, Base):
    """A 双随机 draw: the seed and the pool it was drawn from, so anyone can redo it (000 (九))."""

    __tablename__ = "inspection_plan"
    title: Mapped[str] = mapped_column(String(200))
    drawn_on: Mapped[date] = mapped_column(Date, index=True)
    seed: Mapped[str] = mapped_column(String(128))
    pool_filter: Mapped[dict[str, Any]] = mapped_column(default=dict)
    pool_size: Mapped[int] = mapped_column(Integer, default=0)
    pool_hash: Mapped[str] = mapped_column(String(64))  # SHA-256 over the sorted pool ids
    inspector_pool_hash: Mapped[str] = mapped_column(String(64), default="")
    pool_ids: Mapped[list[Any]] = mapped_column(default=list)  # sorted enterprise ids drawn from
    inspector_ids: Mapped[list[Any]] = mapped_column(default=list)  # sorted inspector ids drawn from
    draw_count: Mapped[int] = mapped_column(Integer, default=0)
    team_size: Mapped[int] = mapped_column(Integer, default=2)
    algorithm: Mapped[str] = mapped_column(String(32), default="sha256-fy-v1")
    # sorted ids of the pool drawn first (credit risk 高/较高, 沪市监产质〔2022〕251号 二 三); sha256-fy-v2
    priority_ids: Mapped[list[Any]] = mapped_column(default=list)
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="planned")  # planned/done/published
    published_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)


class PlanItem(SyncMixin, Base):
    """One drawn enterprise of an inspection plan, with the inspectors paired to it."""

    __tablename__ = "plan_item"
    plan_id: Mapped[str] = mapped_column(ForeignKey("inspection_plan.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    enterprise_id: Mapped[str] = mapped_column(ForeignKey("enterprise.id"), index=True)
    inspector1_id: Mapped[str | None] = mapped_column(ForeignKey("inspector.id"))
    inspector2_id: Mapped[str | None] = mapped_column(ForeignKey("inspector.id"))
    inspection_id: Mapped[str | None] = mapped_column(ForeignKey("inspection.id"))
    done_on: Mapped[date | None] = mapped_column(Date)
    result: Mapped[str | None] = mapped_column(String(64))  # published result (一公开)


class HelpRecord(SyncMixin, Base):
    """帮扶台账 (003 八): help given to an enterprise, linked to the non-conformity it answers."""

    __tablename__ = "help_record"
    enterprise_id: Mapped[str] = mapped_column(ForeignKey("enterprise.id"), index=True)
    sampling_id: Mapped[str | None] = mapped_column(ForeignKey("sampling.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # advice_letter / technical / training / other
    given_on: Mapped[date] = mapped_column(Date, index=True)
    provider: Mapped[str | None] = mapped_column(String(200))  # e.g. the testing institution
    content: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(Text)


class TaskChecklist(SyncMixin, Base):
    """001 annex 2 supervision task checklist, per enterprise and period."""

    __tablename__ = "task_checklist"
    enterprise_id: Mapped[str] = mapped_column(ForeignKey("enterprise.id"), index=True)
    form_id: Mapped[str] = mapped_column(String(64))
    form_version: Mapped[int] = mapped_column(Integer)
    period: Mapped[str] = mapped_column(String(16))  # e.g. "2026" or "2026H2"
    filled_on: Mapped[date] = mapped_column(Date)
    filled_by: Mapped[str | None] = mapped_column(String(64))
    values: Mapped[dict[str, Any]] = mapped_column(default=dict)
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)  # item_key -> {result, note}


class Activity(SyncMixin, Base):
    """Activities the monthly table counts that are not inspections.

    kind: ``publicity`` (宣贯, staff and enterprises visited), ``survey`` (排摸),
    ``assessment`` (质量安全管理人员考核), ``assessment_followup`` (督促考核不合格单位整改),
    ``self_fix`` (自查整改问题隐患).
    """

    __tablename__ = "activity"
    __table_args__ = (Index("ix_activity_origin", "origin"),)  # see Inspection
    kind: Mapped[str] = mapped_column(String(32), index=True)
    on_date: Mapped[date] = mapped_column(Date, index=True)
    enterprise_id: Mapped[str | None] = mapped_column(ForeignKey("enterprise.id"), index=True)
    unit_kind: Mapped[str | None] = mapped_column(String(16))  # producer / seller
    staff_count: Mapped[int] = mapped_column(Integer, default=0)
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    passed: Mapped[bool | None] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(Text)
    # survey (排摸) findings: quality safety managers appointed as required / responsibility
    # system and working mechanism in place (annex 5 columns of 002); None = not asked
    managers_in_place: Mapped[bool | None] = mapped_column(Boolean)
    responsibility_system: Mapped[bool | None] = mapped_column(Boolean)
    # A rectification (kind "rectification") names the inspection whose problems it put right.
    inspection_id: Mapped[str | None] = mapped_column(String(36), index=True)


class AuditEntry(SyncMixin, Base):
    """Append-only: who did what to which record, and when."""

    __tablename__ = "audit_entry"
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    table_name: Mapped[str | None] = mapped_column(String(64))
    record_id: Mapped[str | None] = mapped_column(String(36), index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class KeyProduct(SyncMixin, Base):
    """The county's key product catalogue (重点产品目录): maintained at the county, sent down."""

    __tablename__ = "key_product"
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str | None] = mapped_column(String(100))
    licence_type: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)


class Notice(SyncMixin, Base):
    """A notice (通知) the county sends down to its stations."""

    __tablename__ = "notice"
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    issued_on: Mapped[date] = mapped_column(Date, index=True)


class FormVersion(SyncMixin, Base):
    """A form spec version published by the county: the TOML text itself, installed into
    ``<data dir>/forms/`` at every node that receives it (see qsdesk.services.form_versions)."""

    __tablename__ = "form_version"
    form_id: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer)
    toml: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    issued_by: Mapped[str] = mapped_column(String(32))


class EnterpriseListing(SyncMixin, Base):
    """列异 / 列严 (沪市监产质〔2022〕251号 三 四): the enterprise was put on the abnormal operations
    list (``kind`` "abnormal") or the serious illegal and dishonest list ("serious") on
    ``listed_on``; ``removed_on`` when it was taken off. Usually set by completing the follow-up
    step of a non-conforming sampling (``followup_step_id``)."""

    __tablename__ = "enterprise_listing"
    enterprise_id: Mapped[str] = mapped_column(ForeignKey("enterprise.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    listed_on: Mapped[date] = mapped_column(Date, index=True)
    removed_on: Mapped[date | None] = mapped_column(Date)
    basis: Mapped[str | None] = mapped_column(Text)  # decision / document number, reason
    followup_step_id: Mapped[str | None] = mapped_column(ForeignKey("followup_step.id"), index=True)
    recorded_by: Mapped[str | None] = mapped_column(String(64))


class ClassDecision(SyncMixin, Base):
    """A recorded decision to supervise an enterprise under a higher class than its records give
    (鲁市监质监字〔2022〕233号 二（五））: who, when, why; revoked (not deleted) when it ends."""

    __tablename__ = "class_decision"
    enterprise_id: Mapped[str] = mapped_column(ForeignKey("enterprise.id"), index=True)
    cls: Mapped[str] = mapped_column(String(16))  # stored class key ("key")
    reason: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(64))
    decided_on: Mapped[date] = mapped_column(Date)
    revoked_on: Mapped[date | None] = mapped_column(Date)
    revoked_by: Mapped[str | None] = mapped_column(String(64))
    revoke_reason: Mapped[str | None] = mapped_column(Text)


class EnterpriseClass(Base):
    """The current supervision class of an enterprise, derived from its records (local, never
    synced: every node derives it from the same synced records, so a recalculation on one node
    never makes a sync conflict). Written by :mod:`qsdesk.services.classes` only."""

    __tablename__ = "enterprise_class"
    enterprise_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    cls: Mapped[str] = mapped_column(String(16), default="routine", index=True)  # routine/key/special
    reasons: Mapped[str] = mapped_column(Text, default="")  # one reason per line, Chinese
    credit_risk: Mapped[str | None] = mapped_column(String(16))  # effective (after sampling raise)
    interview: Mapped[str | None] = mapped_column(Text)  # 约谈 reason (沪市监产质〔2022〕251号)
    overridden: Mapped[bool] = mapped_column(Boolean, default=False)
    as_of: Mapped[date] = mapped_column(Date)  # the day of the computation that last changed the row
    # the day of the next change without a new record (a window running out); None = none due
    valid_until: Mapped[date | None] = mapped_column(Date, index=True)
class CountySetting(SyncMixin, Base):
    """A county-wide setting (day counts the documents leave open, the monthly reporting period):
    made at the county, sent down to every station. ``key`` names it; ``value`` is text."""

    __tablename__ = "county_setting"
    key: Mapped[str] = mapped_column(String(64), index=True)
    value: Mapped[str] = mapped_column(Text)


class MonthlyReport(SyncMixin, Base):
    """A station's monthly 两个规定 table as filed: the period, the figures, and when it was sent.

    Made at the station (``origin``) and sent up; "已报送" means ``sent_on`` is set (marked sent by
    hand) or a bundle to the county left after the row was last changed."""

    __tablename__ = "monthly_report"
    period: Mapped[str] = mapped_column(String(7), index=True)  # "2026-10"
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    figures: Mapped[dict[str, Any]] = mapped_column(default=dict)
    filed_on: Mapped[date] = mapped_column(Date)
    sent_on: Mapped[date | None] = mapped_column(Date)  # marked sent by hand (paper, e-mail …)
    sent_note: Mapped[str | None] = mapped_column(Text)
class HolidaySchedule(SyncMixin, Base):
    """One year's holidays and make-up working days (调休) as the State Council announced them
    (国务院办公厅关于某年部分节假日安排的通知), entered at the county for a year the bundled calendar
    does not know, sent down to stations (see qsdesk.domain.workdays)."""

    __tablename__ = "holiday_schedule"
    year: Mapped[int] = mapped_column(Integer, index=True)
    holidays: Mapped[list[Any]] = mapped_column(default=list)  # ISO dates
    workdays: Mapped[list[Any]] = mapped_column(default=list)  # ISO dates (weekend days worked)
    source: Mapped[str] = mapped_column(String(200), default="")  # the notice's title / number


class DutyCheck(SyncMixin, Base):
    """A 督查清单 (国市监质监发〔2023〕38号 附件3) the county filled for one station it checked; sent
    down to that station only (see qsdesk.services.duty_checks)."""

    __tablename__ = "duty_check"
    station_code: Mapped[str] = mapped_column(String(32), index=True)  # the station checked (督查对象)
    form_id: Mapped[str] = mapped_column(String(64))
    form_version: Mapped[int] = mapped_column(Integer)
    checked_on: Mapped[date] = mapped_column(Date, index=True)
    filled_by: Mapped[str | None] = mapped_column(String(64))
    values: Mapped[dict[str, Any]] = mapped_column(default=dict)
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)  # item_key -> {answer, note}


SYNCED_MODELS: tuple[type[SyncMixin], ...] = (
    Inspector,
    Enterprise,
    Product,
    SupervisorAssignment,
    EnforcementCase,
    Inspection,
    Signature,
    AttachmentLink,
    RiskReport,
    Sampling,
    FollowUpStep,
    RiskReportLink,
    InspectionPlan,
    PlanItem,
    HelpRecord,
    TaskChecklist,
    Activity,
    AuditEntry,
    KeyProduct,
    Notice,
    FormVersion,
    EnterpriseListing,
    ClassDecision,
    CountySetting,
    MonthlyReport,
    HolidaySchedule,
    DutyCheck,
)
