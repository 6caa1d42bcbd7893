"""No edit lost during an import, on SQLite and on PostgreSQL; forms opened long ago.

The sweep: a station changes an enterprise, an inspection draft and a follow-up step and sends a
real bundle; while the county imports it, a clerk at the county saves the same three records
through the services (a second store: another window or workstation). The clerk's save is made
at every phase of the import (:data:`qsdesk.services.sync.exchange.PHASES`, found by running a real
import) — after the bundle is read, after the plan, after each table is written, just before the
commit, after it. At every phase each edit is either kept (in the table, or as a conflict entry
beside the incoming version) or refused with one Chinese line; never silently overwritten, and
the incoming version is never silently dropped either.

Also here: two imports of the same bundle at once (the loser says so), an import against a
continuous editor on two real PostgreSQL connections (no deadlock: the lock order in
:mod:`qsdesk.store.db`), and the import's one-line message when it keeps losing the race.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from qsdesk.services import census, followup, inspections, revisions
from qsdesk.services import sampling as sampling_svc
from qsdesk.services.node import init_node
from qsdesk.services.sync.bundle import BundleError
from qsdesk.services.sync.exchange import export_bundle, import_bundle
from qsdesk.store.db import ConcurrentEditError, Store, open_store
from qsdesk.store.models import Enterprise, FollowUpStep, Inspection, SyncConflict
from tests.pg_server import key_passphrase
from tests.services.inspection_helpers import VALID_USCC
from tests.services.sync_helpers import COUNTY, STATION, enrol_both, make_node

RECORDS = ("enterprise", "inspection", "followup_step")


@dataclass
class World:
    station: Store
    county: Store
    clerk: Store  # a second store on the county's database: another window or workstation
    usb: Path
    ids: dict[str, str] = field(default_factory=dict)

    def close(self) -> None:
        for st in (self.station, self.county, self.clerk):
            st.close()


def _world(tmp_path: Path, county_url: str | None) -> World:
    station = make_node(tmp_path / "s", "station", STATION, "王舍人市场监管所", COUNTY)
    county = open_store(tmp_path / "c", url=county_url)
    init_node(county, kind="county", code=COUNTY, name="历城区市场监管局", key_passphrase=key_passphrase(county))
    usb = tmp_path / "usb"
    enrol_both(station, county, usb)
    clerk = open_store(tmp_path / "c", url=county_url)  # its own engine: other connections
    clerk.set_origin(COUNTY)
    clerk.set_actor("王科长")
    w = World(station, county, clerk, usb)
    eid = census.save_census(station, {
        "name": "济南华鲁电器有限公司", "uscc": VALID_USCC, "legal_representative": "王建国",
        "premises": {"province": "山东省", "city": "济南市", "county": "历城区", "town": "王舍人街道",
                     "detail": "工业北路88号"},
        "domain": "生产", "status": "在产在营", "products": [{"name": "电热水壶", "licence_type": "CCC"}],
    }, unit_types=["producer"], entry_reason="现场检查")
    w.ids["enterprise"] = eid
    w.ids["inspection"] = inspections.save_draft(
        station, form_id="annex4_producer", values={"contact": "王强"}, answers={}, enterprise_id=eid)
    res = sampling_svc.enter_sampling(station, sampling_svc.SamplingInput(
        product_name="转换器", producer_id=eid, sampled_on=date(2026, 9, 28), result="不合格",
        nonconforming_items="插套温升", report_received_on=date(2026, 9, 30), organiser="历城区市场监督管理局"))
    with station.session() as s:
        w.ids["followup_step"] = next(x.id for x in followup.steps(s, res.sampling_id) if x.step == "case_filing")
    import_bundle(county, export_bundle(station, COUNTY, usb).path)
    return w


@pytest.fixture
def sqlite_world(tmp_path: Path) -> Iterator[World]:
    w = _world(tmp_path, None)
    yield w
    w.close()


@pytest.fixture
def postgres_world(tmp_path: Path, pg_url: str) -> Iterator[World]:
    w = _world(tmp_path, pg_url)
    yield w
    w.close()


# ------------------------------------------------------------------------------- the edits

def _rev(store: Store, table: str, rid: str) -> int:
    model = {"enterprise": Enterprise, "inspection": Inspection, "followup_step": FollowUpStep}[table]
    with store.session() as s:
        return int(s.scalar(select(model.rev).where(model.id == rid)) or 0)


def save(store: Store, table: str, rid: str, marker: str, *, expected_rev: int | None = None) -> None:
    """A real service save of one record, as the record's dialog makes it."""
    if table == "enterprise":
        values = census.census_values(store, rid)
        values["premises"] = {**(values.get("premises") or {}), "detail": marker} \
            if isinstance(values.get("premises"), dict) else marker
        census.save_census(store, values, rid, expected_rev=expected_rev)
    elif table == "inspection":
        row, values = inspections.load(store, rid)
        inspections.save_draft(store, form_id=row.form_id, values={**values, "contact": marker},
                               answers=dict(row.answers or {}), inspection_id=rid, expected_rev=expected_rev)
    else:
        followup.update_step(store, rid, note=marker, expected_rev=expected_rev)


def stored_marker(store: Store, table: str, rid: str) -> str | None:
    with store.session() as s:
        if table == "enterprise":
            e = s.get(Enterprise, rid)
            return e.address if e else None
        if table == "inspection":
            i = s.get(Inspection, rid)
            return (i.values or {}).get("contact") if i else None
        f = s.get(FollowUpStep, rid)
        return f.note if f else None


def queued_markers(store: Store, table: str, rid: str) -> set[str]:
    """Every value of the record's marker field held in the conflict queue."""
    key = {"enterprise": "address", "inspection": "values", "followup_step": "note"}[table]
    out: set[str] = set()
    with store.session() as s:
        for c in s.scalars(select(SyncConflict).where(SyncConflict.record_id == rid)):
            for side in (c.kept, c.other):
                v = side.get(key)
                out.add(str(v.get("contact")) if isinstance(v, dict) else str(v))
    return out


@dataclass
class Edit:
    table: str
    marker: str
    loaded_rev: int | None = None
    error: BaseException | None = None
    done: threading.Event = field(default_factory=threading.Event)


def _clerk_thread(w: World, edit: Edit, *, stale_form: bool) -> threading.Thread:
    def run() -> None:
        try:
            save(w.clerk, edit.table, w.ids[edit.table], edit.marker,
                 expected_rev=edit.loaded_rev if stale_form else None)
        except BaseException as exc:  # noqa: BLE001 - judged by the test thread
            edit.error = exc
        finally:
            edit.done.set()

    return threading.Thread(target=run, daemon=True)


def _phases(w: World) -> list[str]:
    """The phases a real import of a real bundle goes through (the sweep's points)."""
    seen: list[str] = []
    for table in RECORDS:
        save(w.station, table, w.ids[table], f"探测-{table}")
    import_bundle(w.county, export_bundle(w.station, COUNTY, w.usb).path, on_phase=seen.append)
    assert seen[0] == "read" and seen[1] == "planned" and seen[-2:] == ["before_commit", "committed"]
    assert {"applied:enterprise", "applied:inspection", "applied:followup_step"} <= set(seen)
    return seen


def _sweep(w: World, *, stale_form: bool) -> dict[str, dict[str, str]]:
    outcomes: dict[str, dict[str, str]] = {}
    for n, phase in enumerate(_phases(w)):
        incoming = {t: f"所-{n}-{t}" for t in RECORDS}
        for table in RECORDS:
            save(w.station, table, w.ids[table], incoming[table])
        bundle = export_bundle(w.station, COUNTY, w.usb).path
        # a form opened before the import began (stale_form) or opened at the phase itself
        edits = {t: Edit(t, f"局-{n}-{t}") for t in RECORDS}
        if stale_form:
            for e in edits.values():
                e.loaded_rev = _rev(w.clerk, e.table, w.ids[e.table])
        threads: list[threading.Thread] = []

        def at(name: str, phase: str = phase, edits: dict[str, Edit] = edits,
               threads: list[threading.Thread] = threads) -> None:
            if name != phase:
                return
            for e in edits.values():
                t = _clerk_thread(w, e, stale_form=stale_form)
                threads.append(t)
                t.start()
                # outside the import's transaction a save simply runs; inside it, it waits for
                # the import (which holds the change counter): give it time to reach that wait
                assert e.done.wait(60) if phase in ("read", "committed") else not e.done.wait(0.3)

        rep = import_bundle(w.county, bundle, on_phase=at)
        assert rep.status == "applied"
        for t in threads:
            t.join(60)
            assert not t.is_alive()
        outcomes[phase] = {}
        for table, e in edits.items():
            rid = w.ids[table]
            now, queued = stored_marker(w.county, table, rid), queued_markers(w.county, table, rid)
            if e.error is not None:
                msg = str(e.error)
                assert isinstance(e.error, (ConcurrentEditError, census.CensusError)), repr(e.error)
                assert "修改" in msg and "\n" not in msg and "Traceback" not in msg, msg
                assert now != e.marker
                outcomes[phase][table] = "refused"
            elif now == e.marker:
                outcomes[phase][table] = "kept"
            else:
                assert e.marker in queued, (phase, table, now, queued)  # never silently overwritten
                outcomes[phase][table] = "queued"
            # the station's version is never silently dropped either
            if now != incoming[table] and incoming[table] not in queued:
                # only a save made after the import committed may replace it (a later edit)
                assert phase == "committed" and now == e.marker and not stale_form, (phase, table, now, queued)
    return outcomes


def _check_sweep(outcomes: dict[str, dict[str, str]], *, stale_form: bool) -> None:
    assert len(outcomes) >= 7
    for phase, per_table in outcomes.items():
        assert set(per_table) == set(RECORDS)
        if phase == "read":  # saved before the import's transaction: the import sees both versions
            assert set(per_table.values()) <= {"kept", "queued"}, per_table
        elif phase == "committed" and not stale_form:  # a form opened after the import: saves
            assert set(per_table.values()) == {"kept"}, per_table
        elif phase != "committed":  # inside the import: waits for it, then refused (rev changed)
            assert set(per_table.values()) == {"refused"}, (phase, per_table)
        else:  # a form opened before the import, saved after it: refused
            assert set(per_table.values()) == {"refused"}, per_table


def test_import_race_sweep_sqlite(sqlite_world: World) -> None:
    _check_sweep(_sweep(sqlite_world, stale_form=False), stale_form=False)


def test_import_race_sweep_postgres(postgres_world: World) -> None:
    assert postgres_world.county.engine.dialect.name == "postgresql"
    _check_sweep(_sweep(postgres_world, stale_form=False), stale_form=False)


def test_import_race_sweep_forms_opened_before_the_import_sqlite(sqlite_world: World) -> None:
    _check_sweep(_sweep(sqlite_world, stale_form=True), stale_form=True)


def test_import_race_sweep_forms_opened_before_the_import_postgres(postgres_world: World) -> None:
    _check_sweep(_sweep(postgres_world, stale_form=True), stale_form=True)


# -------------------------------------------------------- two imports of one bundle at once

def _same_bundle_twice(w: World) -> None:
    for table in RECORDS:
        save(w.station, table, w.ids[table], f"两次-{table}")
    bundle = export_bundle(w.station, COUNTY, w.usb).path
    barrier = threading.Barrier(2, timeout=60)
    outcomes: list[object] = []

    def both_read(phase: str) -> None:
        if phase == "read":  # both have read and checked the bundle; now both write
            barrier.wait()

    def run(store: Store) -> None:
        try:
            outcomes.append(import_bundle(store, bundle, on_phase=both_read).status)
        except BundleError as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=run, args=(st,)) for st in (w.county, w.clerk)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert outcomes.count("applied") == 1, outcomes
    [loser] = [o for o in outcomes if isinstance(o, BundleError)]
    msg = str(loser)
    assert loser.reason == "concurrent", msg
    assert "另有一个导入已导入了" in msg and "第" in msg and "缺少" not in msg and "\n" not in msg, msg
    assert import_bundle(w.county, bundle).status == "already"  # and afterwards: 已导入过


def test_two_imports_of_the_same_bundle_at_once_sqlite(sqlite_world: World) -> None:
    _same_bundle_twice(sqlite_world)


def test_two_imports_of_the_same_bundle_at_once_postgres(postgres_world: World) -> None:
    _same_bundle_twice(postgres_world)


# --------------------------------------------------- lock order: import against editors (PG)

def test_postgres_import_and_a_two_step_editor_do_not_deadlock(postgres_world: World) -> None:
    """The editor's transaction first writes a new row (takes the counter), then changes the
    enterprise the import has just written. Before the lock order the import held that row and
    wanted the counter for its audit entry while the editor held the counter and wanted the row:
    a deadlock. Now the editor queues on the counter; the import commits; the editor is refused."""
    from qsdesk.services import audit

    w = postgres_world
    save(w.station, "enterprise", w.ids["enterprise"], "两步编辑-所")
    bundle = export_bundle(w.station, COUNTY, w.usb).path
    outcome: list[BaseException | None] = []
    loaded = threading.Event()
    go = threading.Event()

    def editor() -> None:
        try:
            with w.clerk.transaction() as s:
                e = s.get(Enterprise, w.ids["enterprise"])
                assert e is not None
                loaded.set()
                go.wait(30)
                audit.record(s, "update", "enterprise", e.id, note="two flushes")
                s.flush()  # flush 1: a synced row of its own (the counter is taken here)
                e.address = "两步编辑-局"
                s.flush()  # flush 2: the enterprise row
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 - judged below
            outcome.append(exc)

    t = threading.Thread(target=editor, daemon=True)
    t.start()
    assert loaded.wait(30)

    def at(phase: str) -> None:
        if phase == "applied:enterprise":
            go.set()
            t.join(1.5)  # longer than PostgreSQL's deadlock_timeout (1 s)

    rep = import_bundle(w.county, bundle, on_phase=at)
    t.join(60)
    assert rep.status == "applied" and rep.tables["enterprise"].updated == 1
    assert len(outcome) == 1 and isinstance(outcome[0], ConcurrentEditError), outcome
    assert stored_marker(w.county, "enterprise", w.ids["enterprise"]) == "两步编辑-所"


def test_postgres_import_against_a_continuous_editor(postgres_world: World) -> None:
    """A clerk saving the enterprise over and over on one connection while the county imports on
    another: no deadlock, no traceback; every save that reported success is in the table or in
    the conflict queue, every other one was refused with one Chinese line."""
    w = postgres_world
    rid = w.ids["enterprise"]
    stop = threading.Event()
    saved: list[str] = []
    refused: list[str] = []
    other: list[BaseException] = []

    def clerk() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            marker = f"连续-{n}"
            try:
                save(w.clerk, "enterprise", rid, marker)
                saved.append(marker)
            except (ConcurrentEditError, census.CensusError) as exc:
                assert "\n" not in str(exc)
                refused.append(marker)
            except BaseException as exc:  # noqa: BLE001 - a deadlock or traceback fails the test
                other.append(exc)
                return

    t = threading.Thread(target=clerk, daemon=True)
    t.start()
    try:
        for round_ in range(4):
            for table in RECORDS:
                save(w.station, table, w.ids[table], f"连续-所-{round_}-{table}")
            rep = import_bundle(w.county, export_bundle(w.station, COUNTY, w.usb).path)
            assert rep.status == "applied"
    finally:
        stop.set()
        t.join(60)
    assert not other, other
    assert saved  # the clerk did get work done
    final = stored_marker(w.county, "enterprise", rid)
    queued = queued_markers(w.county, "enterprise", rid)
    # the last successful save is in the table or queued; earlier ones were later edits over it
    assert saved[-1] == final or saved[-1] in queued, (saved[-5:], final, queued)


def test_postgres_deadlock_with_a_writer_outside_the_rule_is_retried(postgres_world: World) -> None:
    """A writer that ignores the lock order (raw SQL: the inspection row, then the enterprise row)
    deadlocks with the import. PostgreSQL cancels the import (it waits a shorter time before
    looking for deadlocks); the import runs again from the start and applies; no traceback."""
    from sqlalchemy import text

    w = postgres_world
    for table in RECORDS:
        save(w.station, table, w.ids[table], f"死锁-{table}")
    bundle = export_bundle(w.station, COUNTY, w.usb).path
    raw_done: list[BaseException | None] = []
    started = threading.Event()
    phases: list[str] = []
    engine = w.clerk.engine

    def outsider() -> None:
        try:
            with engine.begin() as c:
                c.execute(text("SET LOCAL deadlock_timeout = '20s'"))  # the import looks first
                c.execute(text("UPDATE inspection SET rev = rev WHERE id = :i"), {"i": w.ids["inspection"]})
                started.set()
                c.execute(text("UPDATE enterprise SET rev = rev WHERE id = :i"), {"i": w.ids["enterprise"]})
            raw_done.append(None)
        except BaseException as exc:  # noqa: BLE001 - judged below
            raw_done.append(exc)

    t = threading.Thread(target=outsider, daemon=True)

    def at(phase: str) -> None:
        phases.append(phase)
        if phase == "applied:enterprise" and not t.is_alive() and not raw_done:
            t.start()
            assert started.wait(30)

    rep = import_bundle(w.county, bundle, on_phase=at)
    t.join(60)
    assert rep.status == "applied"
    assert raw_done == [None]  # the outsider got through once the import gave way
    assert phases.count("planned") == 2, phases  # the import ran again after the deadlock
    assert stored_marker(w.county, "inspection", w.ids["inspection"]) == "死锁-inspection"


# ------------------------------------------- forms opened long ago (two stores / connections)

def _opened_long_ago(w: World) -> None:
    for table in RECORDS:
        rid = w.ids[table]
        opened = revisions.current(w.county, table, rid)  # the form loads the record
        assert opened is not None
        save(w.clerk, table, rid, f"另一台-{table}")  # 王科长 saves it at another workstation
        with pytest.raises(ConcurrentEditError) as exc:
            save(w.county, table, rid, f"旧表单-{table}", expected_rev=opened)
        assert stored_marker(w.county, table, rid) == f"另一台-{table}"  # theirs kept
        msg = revisions.stale_message(w.county, table, rid)
        assert "王科长" in msg and "修改" in msg and "\n" not in msg and "未保存" in msg, msg
        assert "其他人修改" in str(exc.value)
        # reloaded at the new revision, the form saves
        save(w.county, table, rid, f"重新打开-{table}", expected_rev=revisions.current(w.county, table, rid))
        assert stored_marker(w.county, table, rid) == f"重新打开-{table}"


def test_forms_opened_long_ago_are_refused_sqlite(sqlite_world: World) -> None:
    _opened_long_ago(sqlite_world)


def test_postgres_forms_opened_long_ago_are_refused(postgres_world: World) -> None:
    _opened_long_ago(postgres_world)


def test_a_second_flush_of_the_same_save_checks_against_its_own_first_flush(sqlite_world: World) -> None:
    """save_draft flushes twice; the expected revision follows its own first flush."""
    w = sqlite_world
    rid = w.ids["inspection"]
    save(w.county, "inspection", rid, "两次写入", expected_rev=revisions.current(w.county, "inspection", rid))
    assert stored_marker(w.county, "inspection", rid) == "两次写入"
