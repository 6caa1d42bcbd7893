"""The merge rule for one incoming record (qsdesk.domain.merge), case by case."""

from __future__ import annotations

from qsdesk.domain.merge import Decision, Outcome, Reason, Stored, Version, decide


def v(rev: int, content: str, *, sealed: bool = False, at: str = "2026-11-20T08:00:00.000000+00:00",
      origin: str = "370112001") -> Version:
    return Version(sealed=sealed, rev=rev, updated_at=at, origin=origin, content=content)


def test_new_and_unchanged() -> None:
    assert decide(None, v(1, "a")) == Decision(Outcome.NEW)
    assert decide(Stored(v(3, "a"), unseen=True), v(1, "a")) == Decision(Outcome.UNCHANGED)


def test_the_larger_version_wins_quietly_when_the_sender_had_seen_ours() -> None:
    assert decide(Stored(v(2, "a")), v(3, "b")) == Decision(Outcome.UPDATED)
    assert decide(Stored(v(3, "a")), v(2, "b")) == Decision(Outcome.OLDER)
    # same rev: the later updated_at, then origin, then the content hash decide
    late = "2026-11-21T08:00:00.000000+00:00"
    assert decide(Stored(v(2, "a")), v(2, "b", at=late)).outcome is Outcome.UPDATED
    assert decide(Stored(v(2, "a", at=late)), v(2, "b")).outcome is Outcome.OLDER
    assert decide(Stored(v(2, "a")), v(2, "b")).outcome is Outcome.UPDATED  # "b" > "a"
    assert decide(Stored(v(2, "b")), v(2, "a")).outcome is Outcome.OLDER


def test_both_changed_goes_to_the_queue_whoever_wins() -> None:
    assert decide(Stored(v(2, "a"), unseen=True), v(3, "b")) == Decision(Outcome.UPDATED, Reason.BOTH, "incoming")
    assert decide(Stored(v(3, "a"), unseen=True), v(2, "b")) == Decision(Outcome.KEPT, Reason.BOTH, "local")


def test_a_sealed_record_is_never_replaced_by_an_unsealed_version() -> None:
    sealed_here = Stored(v(3, "a", sealed=True), protected=True)
    # newer unsealed version (rev 4 > 3): refused and queued
    assert decide(sealed_here, v(4, "b")) == Decision(Outcome.REFUSED, Reason.SEALED, "local")
    # older unsealed version the sender had seen: skipped quietly
    assert decide(sealed_here, v(2, "b")) == Decision(Outcome.OLDER)
    # older but a change the sender had not seen: refused and queued
    unseen = Stored(v(3, "a", sealed=True), protected=True, unseen=True)
    assert decide(unseen, v(2, "b")) == Decision(Outcome.REFUSED, Reason.SEALED, "local")
    # a signature of a sealed inspection: protected, and signatures are never "sealed" themselves
    assert decide(Stored(v(1, "a"), protected=True), v(2, "b")).outcome is Outcome.REFUSED


def test_two_sealed_versions_always_go_to_a_person() -> None:
    here = Stored(v(3, "a", sealed=True), protected=True)
    assert decide(here, v(4, "b", sealed=True), sealable=True) == Decision(
        Outcome.UPDATED, Reason.BOTH_SEALED, "incoming")
    assert decide(here, v(2, "b", sealed=True), sealable=True) == Decision(
        Outcome.KEPT, Reason.BOTH_SEALED, "local")
    # a sealed version arriving for an unsealed record simply wins (sealed beats unsealed)
    assert decide(Stored(v(9, "a")), v(1, "b", sealed=True), sealable=True) == Decision(Outcome.UPDATED)


def test_version_key_matches_the_sync_rows_order() -> None:
    from datetime import UTC, datetime

    from qsdesk.services.sync.plan import _rank_version
    from qsdesk.services.sync.rows import content_hash, version_key

    row = {"id": "x", "rev": 4, "updated_at": datetime(2026, 11, 20, 8, tzinfo=UTC), "origin": "370112001",
           "deleted": False, "name": "济南华鲁电器有限公司"}
    h = content_hash("enterprise", row)
    assert _rank_version("enterprise", row, h).key == version_key("enterprise", row)
    assert Decision(Outcome.NEW).writes and not Decision(Outcome.OLDER).writes
