"""The bundle row encoder: JSON columns spliced as stored text mean exactly what decoding and
encoding them again would have produced; anything doubtful goes the slow, decoding way."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select, text

from qsdesk.services.sync.rows import (
    TABLES,
    EncodedRows,
    TableEncoder,
    encode_pairs,
    raw_json_supported,
    row_to_json,
    table_of,
)
from qsdesk.store.db import Store
from tests.services.sync_helpers import add_enterprise, add_inspection

TRICKY: list[Any] = [
    {"name": "历城区“华兴”机械厂\n二车间", "tab": "a\tb", "quote": 'say "hi" \\ back', "emoji": "😀"},
    {"nested": {"list": [1, 2.5, -0.0, 1e300, 12345678901234567890, None, True, False, []], "empty": {}}},
    [],
    "just a string",
    None,
]


def _old_way(store: Store, table_name: str) -> EncodedRows:
    """How rows were encoded before the encoder: ORM-decoded values through ``row_to_json``."""
    t = table_of(table_name)
    with store.session() as s:
        rows = s.execute(select(t).order_by(t.c.change_seq, t.c.id)).mappings().all()
        return encode_pairs([row_to_json(table_name, r) for r in rows])


def _new_way(store: Store, table_name: str, raw_json: bool) -> EncodedRows:
    t = table_of(table_name)
    with store.session() as s:
        enc = TableEncoder(table_name, s.get_bind().dialect, raw_json=raw_json)
        rows = s.execute(select(*enc.columns).order_by(t.c.change_seq, t.c.id)).all()
        return enc.encode(rows)


def _objects(data: bytes) -> list[dict[str, Any]]:
    assert data == b"" or data.endswith(b"\n")
    return [json.loads(line) for line in data.split(b"\n") if line]


def _fill(store: Store) -> list[str]:
    ent = add_enterprise(store)
    ids = [add_inspection(store, ent) for _ in TRICKY]
    with store.transaction() as s:
        for i, value in zip(ids, TRICKY, strict=True):
            s.execute(text('UPDATE inspection SET "values" = :v, answers = :a WHERE id = :id'),
                      {"v": json.dumps(value, ensure_ascii=False), "a": json.dumps({"k": value}), "id": i})
    return ids


@pytest.mark.parametrize("raw_json", [True, False])
def test_encoder_means_what_decoding_and_encoding_meant(store: Store, raw_json: bool) -> None:
    _fill(store)
    with store.session() as s:
        assert raw_json_supported(s) in (True, False)
    for name in TABLES:
        old, new = _old_way(store, name), _new_way(store, name, raw_json)
        assert new.count == old.count
        assert _objects(new.public) == _objects(old.public), name
        assert _objects(new.private) == _objects(old.private), name
        if not raw_json:
            assert (new.public, new.private) == (old.public, old.private), name
    assert [o["values"] for o in _objects(_new_way(store, "inspection", raw_json).private)[-len(TRICKY):]] == TRICKY


def test_stored_text_with_line_breaks_or_not_strict_json_is_decoded_and_encoded(store: Store) -> None:
    ids = _fill(store)
    with store.transaction() as s:
        # valid JSON over several lines (would break the JSONL), and JSON a SQLite column holds as a number
        s.execute(text('UPDATE inspection SET "values" = :v WHERE id = :id'),
                  {"v": json.dumps({"a": [1, 2]}, indent=2), "id": ids[0]})
        s.execute(text("UPDATE inspection SET answers = 5 WHERE id = :id"), {"id": ids[1]})
        s.execute(text("UPDATE inspection SET answers = '[NaN, 1]' WHERE id = :id"), {"id": ids[2]})
    with store.session() as s:
        supported = raw_json_supported(s)
    for raw_json in {True, supported}:
        new = _new_way(store, "inspection", raw_json)
        assert len(new.private.split(b"\n")) == new.count + 1
        assert _objects(new.private) == _objects(_old_way(store, "inspection").private)
        pub = {o["id"]: o for o in _objects(new.public)}
        assert pub[ids[1]]["answers"] == 5
        assert pub[ids[2]]["answers"][1] == 1 and pub[ids[2]]["answers"][0] != pub[ids[2]]["answers"][0]  # NaN
        assert json.loads(new.private.split(b"\n")[[o["id"] for o in _objects(new.private)].index(ids[0])]) [
            "values"] == {"a": [1, 2]}


def test_stored_text_that_is_not_json_fails_as_reading_it_would(store: Store) -> None:
    ids = _fill(store)
    with store.transaction() as s:
        s.execute(text("UPDATE inspection SET answers = :a WHERE id = :id"), {"a": '{"a": 1}, "origin": "x"',
                                                                             "id": ids[0]})
    with pytest.raises(ValueError):
        _old_way(store, "inspection")
    with pytest.raises(ValueError):  # never spliced into the line, where it would add a column
        _new_way(store, "inspection", True)


def test_raw_json_needs_a_strict_json_valid(store: Store) -> None:
    with store.session() as s:
        if not raw_json_supported(s):
            pytest.skip("this SQLite has no strict json_valid: the encoder decodes every JSON column")
        got = s.execute(text("SELECT json_valid('{a:1}'), json_valid('NaN'), json_valid('[1,]'), "
                             "json_valid('{\"a\": [1, 2.5]}')")).one()
    assert tuple(got) == (0, 0, 0, 1)


def _enterprise_json(rid: str, **over: Any) -> dict[str, Any]:
    t = table_of("enterprise")
    row: dict[str, Any] = {c.name: None for c in t.c if c.name != "change_seq"}
    row.update(id=rid, name="济南市历城区华兴机械厂", unit_types="producer", individual_business=True, staff=12,
               revenue_wan="1234.50", supervision_class="B", responsible_since="2026-01-02",
               extra={"注": "x", "n": [1, 2.5, None]}, rev=3, updated_at="2026-11-20T08:09:10.123456+00:00",
               origin="370112001", deleted=False)
    row.update(over)
    return row


def _stored(store: Store, rid: str) -> list[tuple[Any, Any]]:
    """Every column's stored value and how the database keeps it (SQLite's storage class;
    PostgreSQL's text form of the value and its type)."""
    t = table_of("enterprise")
    cols = [c.name for c in t.c if c.name != "id"]
    if store.engine.dialect.name == "sqlite":
        sel = ", ".join(f'"{c}", typeof("{c}")' for c in cols)
    else:
        sel = ", ".join(f'"{c}"::text, pg_typeof("{c}")::text' for c in cols)
    with store.session() as s:
        got = s.execute(text(f"SELECT {sel} FROM enterprise WHERE id = :id"), {"id": rid}).one()
    return list(zip(got[::2], got[1::2], strict=True))


def _check_fast_insert(store: Store) -> None:
    from sqlalchemy import insert

    from qsdesk.services.sync.rows import insert_many, json_to_row

    t = table_of("enterprise")
    fast = {**json_to_row("enterprise", _enterprise_json("fast-1")), "change_seq": 0}
    core = {**json_to_row("enterprise", _enterprise_json("core-1")), "change_seq": 0}
    # a JSON null, empty texts and tabs/newlines/backslashes (COPY's own escapes) travel too
    odd = {**json_to_row("enterprise", _enterprise_json("fast-2", extra=None, address="a\tb\n\\N\t\r\n",
                                                        legal_rep="", contact=r"\N")), "change_seq": 0}
    odd_core = {**odd, "id": "core-2"}
    with store.transaction() as s:
        assert insert_many(s, t, [fast, odd]) is True
        s.execute(insert(t), [core, odd_core])
    assert _stored(store, "fast-1") == _stored(store, "core-1")
    assert _stored(store, "fast-2") == _stored(store, "core-2")

    # a row without every column (a bundle from an older program) goes the Core way: its defaults
    short = {k: v for k, v in fast.items() if k not in ("extra", "supervision_class")} | {"id": "short-1"}
    with store.transaction() as s:
        assert insert_many(s, t, [short]) is False
    with store.session() as s:
        assert s.scalar(text("SELECT count(*) FROM enterprise WHERE id = 'short-1'")) == 0


def test_fast_insert_stores_what_a_core_insert_stores(store: Store) -> None:
    _check_fast_insert(store)


def test_postgres_copy_insert_stores_what_a_core_insert_stores(pg_store: Store) -> None:
    _check_fast_insert(pg_store)


def test_postgres_copy_insert_fails_as_a_core_insert_would_without_the_values(pg_store: Store) -> None:
    from sqlalchemy.exc import DataError, IntegrityError

    from qsdesk.services.sync.rows import insert_many, json_to_row

    t = table_of("enterprise")
    row = {**json_to_row("enterprise", _enterprise_json("dup-1", legal_rep="赵六九")), "change_seq": 0}
    with pg_store.transaction() as s:
        insert_many(s, t, [row])
    with pytest.raises(IntegrityError) as dup, pg_store.transaction() as s:
        insert_many(s, t, [row])
    too_long = {**row, "id": "long-1", "name": "华鲁" * 101}
    with pytest.raises(DataError) as long_, pg_store.transaction() as s:
        insert_many(s, t, [too_long])
    orphan = {**json_to_row("product", {"id": "p-1", "enterprise_id": "nobody", "name": "电线", "rev": 1,
                                        "updated_at": "2026-11-20T08:00:00+00:00", "origin": "370112001",
                                        "deleted": False}), "change_seq": 0}
    orphan = {c.name: orphan.get(c.name) for c in table_of("product").c}
    with pytest.raises(IntegrityError), pg_store.transaction() as s:
        assert insert_many(s, table_of("product"), [orphan]) is True
    for exc in (dup.value, long_.value):
        assert "华鲁" not in str(exc) and "赵六九" not in str(exc)
    with pg_store.session() as s:
        assert s.scalar(text("SELECT count(*) FROM enterprise WHERE id IN ('dup-1', 'long-1')")) == 1


def test_incoming_row_checks_and_converts_each_value_as_its_column_type_says() -> None:
    """Each kind of column against values of every JSON kind: what is refused (and the message
    naming the field), and the database value what is accepted becomes."""
    from qsdesk.services.sync.row_values import RowValueError, incoming_row

    base = {"id": "r-1", "rev": 1, "updated_at": "2026-11-20T08:00:00+00:00", "origin": "370112001"}
    values: list[Any] = [None, "x", "2026-11-20", "2026-11-20T08:00:00+00:00", "aGk=", "12.5", 1, 2**70, True,
                         1.5, [], {}]
    ok = object()
    # (table, column): the answer for each of ``values``; ok, or what the field is refused for
    expected: dict[tuple[str, str], list[Any]] = {
        ("enterprise", "name"): ["不能为空", ok, ok, ok, ok, ok] + ["应为文本"] * 6,  # text, required
        ("enterprise", "address"): [ok] * 6 + ["应为文本"] * 6,  # text, may be empty
        ("enterprise", "individual_business"): ["不能为空"] + ["应为是/否"] * 7 + [ok] + ["应为是/否"] * 3,
        ("inspection", "problems_found"): ["不能为空"] + ["应为整数"] * 5 + [ok, "超出整数范围"] + ["应为整数"] * 4,
        ("enterprise", "revenue_wan"): [ok] + ["不是有效的数值"] * 4 + [ok, ok, "数值无效或过大", "应为数值", ok,
                                                                   "应为数值", "应为数值"],
        ("enterprise", "responsible_since"): [ok, "不是有效的日期", ok] + ["不是有效的日期"] * 3 + ["应为日期"] * 6,
        ("inspection", "sealed_at"): [ok, "不是有效的日期时间", ok, ok] + ["不是有效的日期时间"] * 2
                                     + ["应为日期时间"] * 6,
        ("signature", "png"): [ok] + ["不是有效的 base64"] * 3 + [ok, "不是有效的 base64"] + ["应为 base64 文本"] * 6,
        ("inspection", "answers"): ["不能为空"] + [ok] * 11,
    }
    for (table_name, column), answers in expected.items():
        for v, want in zip(values, answers, strict=True):
            if want is ok:
                incoming_row(table_name, {**base, column: v})
            else:
                with pytest.raises(RowValueError) as refused:
                    incoming_row(table_name, {**base, column: v})
                assert str(refused.value) == f"字段 {column} {want}", (table_name, column, v)
    got = incoming_row("enterprise", {**base, "revenue_wan": 1.5, "responsible_since": "2026-11-20", "no_such": 1,
                                      "change_seq": 9, "deleted": False})
    assert got == {**base, "updated_at": datetime(2026, 11, 20, 8, tzinfo=UTC), "revenue_wan": Decimal("1.5"),
                   "responsible_since": date(2026, 11, 20), "deleted": False}  # unknown and local keys dropped
    assert incoming_row("signature", {**base, "png": "aGk="})["png"] == b"hi"
    assert incoming_row("inspection", {**base, "sealed_at": "2026-11-20T08:00:00"})["sealed_at"].tzinfo is UTC
    for sync_key in ("id", "rev", "updated_at", "origin"):
        with pytest.raises(RowValueError, match=f"缺少同步信息 {sync_key}"):
            incoming_row("enterprise", {k: v for k, v in base.items() if k != sync_key})
    with pytest.raises(RowValueError, match="版本号必须为正数"):
        incoming_row("enterprise", {**base, "rev": 0})
    with pytest.raises(RowValueError, match="记录编号长度不对"):
        incoming_row("enterprise", {**base, "id": "x" * 37})
