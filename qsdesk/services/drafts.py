"""Autosaved drafts: what a user typed but has not saved yet survives a crash or a power cut.

A form widget calls :class:`Autosaver.touch` on every change; the autosaver writes the form's
content to the :class:`~qsdesk.store.models.Draft` table at most ``delay`` seconds later (the
store fsyncs every commit). One draft per form and record: a new, unsaved record is keyed by a
client-side ``draft_key`` so two new forms open at once do not overwrite each other. Saving the
record for real discards its draft; at the next start :func:`list_drafts` is what the program
offers to restore. Drafts are local and never synced.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select

from qsdesk.store.db import Store, utcnow
from qsdesk.store.models import Draft, Enterprise

#: Seconds between the last change and the autosave.
AUTOSAVE_DELAY = 1.5


@dataclass(frozen=True)
class DraftInfo:
    id: str
    form_id: str
    form_version: int
    record_table: str | None
    record_id: str | None
    enterprise_id: str | None
    enterprise_name: str | None
    updated_at: datetime
    content: dict[str, Any]


def save_draft(
    store: Store,
    *,
    form_id: str,
    form_version: int,
    content: dict[str, Any],
    record_table: str | None = None,
    record_id: str | None = None,
    enterprise_id: str | None = None,
    draft_id: str | None = None,
) -> str:
    """Insert or update the draft of one form+record and return its id.

    The draft is found by ``draft_id`` if given, else by (form, record) for an existing record.
    """
    with store.transaction() as s:
        draft = s.get(Draft, draft_id) if draft_id else None
        if draft is None and record_id:
            draft = s.scalars(
                select(Draft).where(Draft.form_id == form_id, Draft.record_id == record_id)
            ).first()
        if draft is None:
            draft = Draft(form_id=form_id)
            if draft_id:
                draft.id = draft_id
            s.add(draft)
        draft.form_version = form_version
        draft.record_table = record_table
        draft.record_id = record_id
        draft.enterprise_id = enterprise_id
        draft.content = content
        draft.updated_at = utcnow()
        s.flush()
        return draft.id


def load_draft(store: Store, draft_id: str) -> DraftInfo | None:
    with store.session() as s:
        d = s.get(Draft, draft_id)
        return _info(s, d) if d else None


def find_draft(store: Store, form_id: str, record_id: str) -> DraftInfo | None:
    """The draft of an existing record, if one survived."""
    with store.session() as s:
        d = s.scalars(select(Draft).where(Draft.form_id == form_id, Draft.record_id == record_id)).first()
        return _info(s, d) if d else None


def _info(s: Any, d: Draft) -> DraftInfo:
    name = None
    if d.enterprise_id:
        ent = s.get(Enterprise, d.enterprise_id)
        name = ent.name if ent else None
    return DraftInfo(d.id, d.form_id, d.form_version, d.record_table, d.record_id, d.enterprise_id,
                     name, d.updated_at, dict(d.content or {}))


def list_drafts(store: Store) -> list[DraftInfo]:
    """Every restorable draft, newest first."""
    with store.session() as s:
        rows = s.scalars(select(Draft).order_by(Draft.updated_at.desc())).all()
        return [_info(s, d) for d in rows]


def discard_draft(store: Store, draft_id: str) -> None:
    with store.transaction() as s:
        s.execute(delete(Draft).where(Draft.id == draft_id))


def discard_for_record(store: Store, form_id: str, record_id: str) -> None:
    with store.transaction() as s:
        s.execute(delete(Draft).where(Draft.form_id == form_id, Draft.record_id == record_id))


class Autosaver:
    """Debounces changes and writes the draft at most ``delay`` seconds after the last one.

    Qt-free: the GUI drives it from a ``QTimer`` (``due()`` / ``flush()``), tests may call
    ``flush()`` directly. ``content`` is a callable so the snapshot is taken at save time.
    """

    def __init__(
        self,
        store: Store,
        *,
        form_id: str,
        form_version: int,
        content: Callable[[], dict[str, Any]],
        record_table: str | None = None,
        record_id: str | None = None,
        enterprise_id: str | None = None,
        draft_id: str | None = None,
        delay: float = AUTOSAVE_DELAY,
        clock: Callable[[], float] | None = None,
    ) -> None:
        import time

        self.store = store
        self.form_id = form_id
        self.form_version = form_version
        self.content = content
        self.record_table = record_table
        self.record_id = record_id
        self.enterprise_id = enterprise_id
        self.draft_id = draft_id
        self.delay = delay
        self._clock = clock or time.monotonic
        self._dirty_since: float | None = None
        self.saves = 0

    @property
    def dirty(self) -> bool:
        return self._dirty_since is not None

    def touch(self) -> None:
        """Note a change; the draft is written once ``delay`` has passed since the first unsaved one."""
        if self._dirty_since is None:
            self._dirty_since = self._clock()

    def due(self) -> bool:
        return self._dirty_since is not None and self._clock() - self._dirty_since >= self.delay

    def flush(self) -> str | None:
        """Write the draft now if anything changed; returns the draft id."""
        if self._dirty_since is None:
            return self.draft_id
        self._dirty_since = None
        self.draft_id = save_draft(
            self.store,
            form_id=self.form_id,
            form_version=self.form_version,
            content=self.content(),
            record_table=self.record_table,
            record_id=self.record_id,
            enterprise_id=self.enterprise_id,
            draft_id=self.draft_id,
        )
        self.saves += 1
        return self.draft_id

    def settle(self) -> None:
        """Forget the pending change without writing it: the form shows stored content again
        and the draft written last (if any) is kept as it is."""
        self._dirty_since = None

    def discard(self) -> None:
        """The record was saved (or the user threw the changes away): forget the draft."""
        self._dirty_since = None
        if self.draft_id:
            discard_draft(self.store, self.draft_id)
        if self.record_id:
            discard_for_record(self.store, self.form_id, self.record_id)
        self.draft_id = None
