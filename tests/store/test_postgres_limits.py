"""Values fit everywhere: what the county's PostgreSQL would refuse (a text longer than its
``VARCHAR``) is refused at the station, on SQLite too, with a message naming the field and the
limit and never the value. The lengths are the models'; the Excel import uses the same ones."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from qsdesk.cli import main
from qsdesk.services import census
from qsdesk.services.excel import importer
from qsdesk.services.excel.fields import ENTERPRISE_FIELDS
from qsdesk.store import limits
from qsdesk.store.db import Store
from qsdesk.store.models import Enterprise
from tests.services.inspection_helpers import VALID_USCC

LONG_ADDRESS = "山东省济南市历城区王舍人街道工业北路" + "八十八号院" * 49  # 263 characters


def _values(detail: str) -> dict:
    return {"name": "济南华鲁电器有限公司", "uscc": VALID_USCC, "legal_representative": "王建国",
            "premises": {"province": "山东省", "city": "济南市", "county": "历城区", "town": "王舍人街道",
                         "detail": detail},
            "domain": "生产", "status": "在产在营", "products": [{"name": "电热水壶", "licence_type": "CCC"}]}


def _enterprises(store: Store) -> int:
    with store.session() as s:
        return int(s.scalar(select(func.count()).select_from(Enterprise)) or 0)


def _refuses_long_address(store: Store) -> None:
    assert len(LONG_ADDRESS) == 263
    with pytest.raises(census.CensusError) as exc:
        census.save_census(store, _values(LONG_ADDRESS), entry_reason="摸底排查")
    msg = str(exc.value)
    assert "地址" in msg and "255" in msg and "263" in msg
    assert "八十八号院" not in msg  # never the value (personal data)
    assert _enterprises(store) == 0
    # corrected, it saves
    eid = census.save_census(store, _values(LONG_ADDRESS[:255]), entry_reason="摸底排查")
    with store.session() as s:
        ent = s.get(Enterprise, eid)
        assert ent is not None and ent.address == LONG_ADDRESS[:255]


def test_long_address_refused_at_the_station_before_postgres_would(store: Store) -> None:
    """SQLite does not check VARCHAR(255): the station's census form must."""
    assert store.engine.dialect.name == "sqlite"
    _refuses_long_address(store)


def test_postgres_long_address_refused_the_same_way(pg_store: Store) -> None:
    assert pg_store.engine.dialect.name == "postgresql"
    _refuses_long_address(pg_store)


def test_postgres_every_orm_write_checks_lengths(pg_store: Store) -> None:
    with pytest.raises(limits.ValueTooLong) as exc, pg_store.transaction() as s:
        s.add(Enterprise(name="某" * 201))
    assert (exc.value.table, exc.value.column, exc.value.limit, exc.value.length) == ("enterprise", "name", 200, 201)
    assert "企业档案" in str(exc.value) and "名称" in str(exc.value)
    with pg_store.transaction() as s:
        s.add(Enterprise(name="某" * 200))  # exactly the limit fits (以内 includes the number)
    assert _enterprises(pg_store) == 1


def test_excel_import_lengths_are_the_models_postgres_limits() -> None:
    declared = limits.string_limits("enterprise")
    for f in ENTERPRISE_FIELDS:
        if f.key in declared:
            assert f.max_len == declared[f.key], f.key
    assert declared["address"] == 255 and declared["name"] == 200


def test_excel_import_refuses_a_long_address_for_postgres(store: Store, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["统一社会信用代码", "企业名称", "地址"])
    ws.append([VALID_USCC, "济南华鲁电器有限公司", LONG_ADDRESS])
    path = tmp_path / "registry.xlsx"
    wb.save(path)
    plan = importer.analyse(store, path)
    assert plan.has_errors
    text = " ".join(e.reason for e in plan.errors)
    assert "255" in text and "八十八号院" not in text
    importer.apply(store, plan, only_valid=True)
    assert _enterprises(store) == 0


def test_cli_refuses_too_long_for_postgres_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = str(tmp_path / "d")
    assert main(["--data-dir", d, "init", "--kind", "station", "--code", "s1", "--name", "所" * 201]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "200" in err and "Traceback" not in err


def test_postgres_county_refusal_names_station_table_field_limit_not_data() -> None:
    row = {"id": "7d0c1e9e-0000-4000-8000-000000000001", "name": "济南华鲁电器有限公司", "address": LONG_ADDRESS}
    msg = limits.sync_refusal("370112001", "enterprise", row)
    assert msg is not None
    for part in ("370112001", "企业档案", "地址", "255", row["id"]):
        assert part in msg
    assert "八十八号院" not in msg and "华鲁" not in msg
    assert limits.sync_refusal("370112001", "enterprise", {**row, "address": LONG_ADDRESS[:255]}) is None
