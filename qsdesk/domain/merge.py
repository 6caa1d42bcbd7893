"""The merge rule for one record arriving in a sync bundle: a pure decision, no database.

Given the version stored here (or none) and the incoming version, :func:`decide` says what the
import does with the incoming row — insert it, replace the stored row, skip it — and whether a
person must see the pair in the conflict queue. The import
(:mod:`qsdesk.services.sync.importer`) computes the inputs from the rows and carries the
decision out; docs/sync.md (Import) states the same rules for people.

Versions of one record are totally ordered by ``(sealed, rev, updated_at, origin, content hash)``
(:attr:`Version.key`): every node picks the same winner, so any import order converges.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Outcome(StrEnum):
    """What happens to the incoming row (the import's counters carry these names)."""

    NEW = "new"  # not stored here: inserted
    UNCHANGED = "unchanged"  # the same content: nothing to do
    UPDATED = "updated"  # the incoming version wins: it replaces the stored row
    OLDER = "older"  # the stored version wins and the sender had seen it: skipped quietly
    KEPT = "kept"  # the stored version wins but both sides changed it: skipped, queued
    REFUSED = "refused"  # an unsealed version of a sealed record: never applied, queued


class Reason(StrEnum):
    """Why a pair goes to the conflict queue."""

    BOTH = "both"  # both sides changed the record
    SEALED = "sealed"  # an unsealed version arrived for a record sealed here
    BOTH_SEALED = "both_sealed"  # two different sealed versions (never normal)


@dataclass(frozen=True)
class Version:
    """One version of a record, as far as the merge rule needs it."""

    sealed: bool  # a sealed inspection
    rev: int
    updated_at: str  # ISO 8601 UTC text (compares in time order)
    origin: str
    content: str  # hash of the travelling content

    @property
    def key(self) -> tuple[int, int, str, str, str]:
        return (1 if self.sealed else 0, self.rev, self.updated_at, self.origin, self.content)


@dataclass(frozen=True)
class Stored:
    """The version stored here and what the import knows about it."""

    version: Version
    protected: bool = False  # a sealed record (or a signature of one): never replaced by an unsealed one
    unseen: bool = False  # a local change the sender had not seen when it sent the bundle


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    conflict: Reason | None = None  # set: the pair goes to the conflict queue
    winner: str | None = None  # with a conflict: "local" (stored stays) or "incoming"

    @property
    def writes(self) -> bool:
        return self.outcome in (Outcome.NEW, Outcome.UPDATED)


def decide(stored: Stored | None, incoming: Version, *, sealable: bool = False) -> Decision:
    """The merge decision for one record.

    ``sealable``: the table's records can be sealed (inspections); two different sealed versions
    of such a record always go to a person.
    """
    if stored is None:
        return Decision(Outcome.NEW)
    local = stored.version
    if local.content == incoming.content:
        return Decision(Outcome.UNCHANGED)
    if stored.protected and not incoming.sealed:
        # compared without the sealed flag: is the unsealed version newer than the sealed one?
        if incoming.key[1:] > local.key[1:] or stored.unseen:
            return Decision(Outcome.REFUSED, Reason.SEALED, "local")
        return Decision(Outcome.OLDER)
    both_sealed = sealable and stored.protected
    reason = Reason.BOTH_SEALED if both_sealed else Reason.BOTH
    queued = stored.unseen or both_sealed
    if incoming.key > local.key:
        return Decision(Outcome.UPDATED, reason if queued else None, "incoming" if queued else None)
    if queued:
        return Decision(Outcome.KEPT, reason, "local")
    return Decision(Outcome.OLDER)
