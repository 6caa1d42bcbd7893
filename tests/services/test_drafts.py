from __future__ import annotations

from qsdesk.services import drafts
from qsdesk.store.db import Store, open_store
from tests.services.inspection_helpers import make_enterprise


class FakeClock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_autosaver_debounce_and_survives_reopen(store: Store, data_dir) -> None:
    eid = make_enterprise(store)
    clock = FakeClock()
    content = {"values": {"name": "济"}, "answers": {}}
    saver = drafts.Autosaver(store, form_id="annex4_producer", form_version=1, content=lambda: dict(content),
                             enterprise_id=eid, delay=1.5, clock=clock)
    assert not saver.due()
    saver.touch()
    clock.t += 1.0
    assert saver.dirty and not saver.due()
    content["values"] = {"name": "济南"}
    saver.touch()  # keeps the first change's time: continuous typing still saves every 1.5 s
    clock.t += 0.6
    assert saver.due()
    draft_id = saver.flush()
    assert not saver.dirty and saver.saves == 1
    assert saver.flush() == draft_id and saver.saves == 1  # nothing new: no write
    # A second process (the next start) sees the draft.
    other = open_store(data_dir)
    try:
        found = drafts.list_drafts(other)
        assert [d.id for d in found] == [draft_id]
        assert found[0].content["values"] == {"name": "济南"}
        assert found[0].enterprise_name == "济南华鲁电器有限公司"
    finally:
        other.close()
    saver.touch()
    content["values"] = {"name": "济南华鲁"}
    assert saver.flush() == draft_id  # same draft row updated, not a new one
    assert len(drafts.list_drafts(store)) == 1
    assert drafts.load_draft(store, draft_id).content["values"]["name"] == "济南华鲁"
    saver.discard()
    assert drafts.list_drafts(store) == []


def test_drafts_keyed_by_form_and_record(store: Store) -> None:
    a = drafts.save_draft(store, form_id="annex4_producer", form_version=1, content={"v": 1},
                          record_table="inspection", record_id="rec-1")
    b = drafts.save_draft(store, form_id="annex4_producer", form_version=1, content={"v": 2},
                          record_table="inspection", record_id="rec-1")
    c = drafts.save_draft(store, form_id="annex6_risk", form_version=1, content={"v": 3},
                          record_table="risk_report", record_id="rec-1")
    assert a == b != c
    assert drafts.find_draft(store, "annex4_producer", "rec-1").content == {"v": 2}
    # Two new (unsaved) forms open at once keep separate drafts.
    n1 = drafts.save_draft(store, form_id="annex4_producer", form_version=1, content={"n": 1})
    n2 = drafts.save_draft(store, form_id="annex4_producer", form_version=1, content={"n": 2})
    assert n1 != n2
    assert {d.id for d in drafts.list_drafts(store)} == {a, c, n1, n2}
    drafts.discard_for_record(store, "annex4_producer", "rec-1")
    drafts.discard_draft(store, n1)
    assert {d.id for d in drafts.list_drafts(store)} == {c, n2}
