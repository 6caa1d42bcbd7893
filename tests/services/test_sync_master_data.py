"""County master data down to a station: key product catalogue, notices and form versions."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from qsdesk.cli import main
from qsdesk.domain import formspec
from qsdesk.services import inspections
from qsdesk.services.form_versions import FormPublishError, install_forms, list_versions, publish_form
from qsdesk.services.master_data import (
    MasterDataError,
    add_key_product,
    add_notice,
    list_key_products,
    list_notices,
)
from qsdesk.services.sync.bundle import BundleError
from qsdesk.services.sync.exchange import export_bundle, import_bundle
from qsdesk.store.db import open_store
from qsdesk.store.models import FormVersion, KeyProduct, Notice
from tests.services.form_versions import make_v2_forms_dir
from tests.services.sync_helpers import COUNTY, STATION, add_enterprise, add_inspection, make_pair, snapshot


def _publish_master_data(county: object, tmp_path: Path) -> str:
    v2_dir, extra_item = make_v2_forms_dir(tmp_path)
    pub = publish_form(county, v2_dir / "annex4_producer.toml")  # type: ignore[arg-type]
    assert (pub.form_id, pub.version, pub.new_items) == ("annex4_producer", 2, (extra_item,))
    add_notice(county, "关于开展重点工业产品质量安全监督检查的通知", "各所：请于12月底前完成。",  # type: ignore[arg-type]
               date(2026, 11, 23))
    add_key_product(county, "电线电缆", "电工及材料", "工业产品生产许可证", "县局重点")  # type: ignore[arg-type]
    add_key_product(county, "燃气灶具", "家用电器", "CCC")  # type: ignore[arg-type]
    return extra_item


def test_county_sends_catalogue_notices_and_form_version_down(tmp_path: Path) -> None:
    pair = make_pair(tmp_path)
    station_root = pair.station.data_dir.root  # type: ignore[union-attr]
    try:
        ent = add_enterprise(pair.station)
        old_record = add_inspection(pair.station, ent)  # made under version 1
        extra_item = _publish_master_data(pair.county, tmp_path)
        # the county itself uses the new version at once; the bundled forms are unchanged
        assert pair.county.forms.spec("annex4_producer").version == 2  # type: ignore[attr-defined]
        assert pair.station.forms.spec("annex4_producer").version == 1  # type: ignore[attr-defined]
        assert formspec.load_form("annex4_producer").version == 1

        down = export_bundle(pair.county, STATION, pair.usb)
        assert down.counts == {"key_product": 2, "notice": 1, "form_version": 1}
        report = import_bundle(pair.station, down.path)
        assert report.tables["form_version"].new == 1 and report.tables["key_product"].new == 2
        assert report.total("refused") == 0
        forms = station_root / "forms"
        assert sorted(p.name for p in forms.iterdir()) == ["annex4_producer.toml"]
    finally:
        pair.close()

    station = open_store(station_root)  # as at the next start of the station's program
    try:
        spec = station.forms.spec("annex4_producer")
        assert spec.version == 2 and extra_item in {i.key for i in spec.items()}
        v1 = station.forms.spec("annex4_producer", 1)
        assert extra_item not in {i.key for i in v1.items()}
        insp, values = inspections.load(station, old_record)
        assert insp.form_version == 1 and values["contact"] == "王强"
        new_id = inspections.save_draft(station, form_id="annex4_producer", values={}, answers={},
                                        enterprise_id=ent)
        assert inspections.load(station, new_id)[0].form_version == 2
        assert station.forms.newest()["annex4_producer"].version == 2
        assert [n.title for n in list_notices(station)] == ["关于开展重点工业产品质量安全监督检查的通知"]
        assert {k.name: k.licence_type for k in list_key_products(station)} == {
            "电线电缆": "工业产品生产许可证", "燃气灶具": "CCC"}
        with pytest.raises(MasterDataError, match="县级局"):
            add_notice(station, "所里自己发的通知")
        with pytest.raises(FormPublishError, match="县级局"):
            publish_form(station, forms_file(tmp_path))
    finally:
        station.close()


def forms_file(tmp_path: Path) -> Path:
    return tmp_path / "forms" / "annex4_producer.toml"


def test_invalid_or_tampered_form_is_refused_at_publish(tmp_path: Path) -> None:
    pair = make_pair(tmp_path)
    try:
        v2_dir, _ = make_v2_forms_dir(tmp_path)
        good = (v2_dir / "annex4_producer.toml").read_text(encoding="utf-8")
        before = snapshot(pair.county)
        bad = tmp_path / "bad.toml"
        bad.write_text(good.replace('kind = "inspection"', 'kind = "bogus"', 1), encoding="utf-8")
        with pytest.raises(FormPublishError, match="unknown kind 'bogus'"):
            publish_form(pair.county, bad)
        bad.write_text(good + '\n[[sections]]\nkey = "basic"\ntitle = "重复"\n', encoding="utf-8")
        with pytest.raises(FormPublishError, match="表单文件有误"):
            publish_form(pair.county, bad)
        bad.write_text("id = \"annex4_producer\"\nversion = [", encoding="utf-8")
        with pytest.raises(FormPublishError, match="invalid TOML"):
            publish_form(pair.county, bad)
        with pytest.raises(FormPublishError, match="已存在"):  # version 1 ships with the program
            publish_form(pair.county, formspec.forms_dir() / "annex4_producer.toml")
        assert snapshot(pair.county) == before  # nothing written

        publish_form(pair.county, v2_dir / "annex4_producer.toml")
        with pytest.raises(FormPublishError, match="已存在"):
            publish_form(pair.county, v2_dir / "annex4_producer.toml")
        # a stored version whose text no longer matches its hash is not installed
        with pair.county.transaction() as s:
            row = s.scalars(select(FormVersion)).one()
            row.toml = row.toml.replace("县局补充", "被改过")
        problems = install_forms(pair.county)
        assert len(problems) == 1 and "校验值不符" in problems[0]
        assert not (pair.county.data_dir.root / "forms" / "annex4_producer.toml").exists()  # type: ignore[union-attr]
    finally:
        pair.close()


def test_station_cannot_send_county_master_data_up(tmp_path: Path) -> None:
    pair = make_pair(tmp_path)
    try:
        _publish_master_data(pair.county, tmp_path)
        import_bundle(pair.station, export_bundle(pair.county, STATION, pair.usb).path)
        text = "id = \"x\"\n"
        with pair.station.transaction() as s:
            # a station-made catalogue entry and form version, and an edited county notice
            s.add(KeyProduct(name="所里加的产品"))
            s.add(FormVersion(form_id="annex4_producer", version=3, toml=text,
                              sha256=hashlib.sha256(text.encode()).hexdigest(), issued_by=STATION))
            notice = s.scalars(select(Notice)).one()
            notice.title = "被所里改过的通知"
        up = export_bundle(pair.station, COUNTY, pair.usb)
        assert up.counts["key_product"] == 1 and up.counts["notice"] == 1 and up.counts["form_version"] == 1
        before = snapshot(pair.county)
        with pytest.raises(BundleError) as err:  # refused whole, naming the sender and the row
            import_bundle(pair.county, up.path)
        assert err.value.reason == "authority" and "只能由县级局发布" in str(err.value)
        assert STATION in str(err.value)
        assert snapshot(pair.county) == before
        assert sorted(k.name for k in list_key_products(pair.county)) == ["燃气灶具", "电线电缆"]
        assert [n.title for n in list_notices(pair.county)] == ["关于开展重点工业产品质量安全监督检查的通知"]
        assert [(v.form_id, v.version) for v in list_versions(pair.county)] == [("annex4_producer", 2)]
    finally:
        pair.close()


def test_master_data_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pair = make_pair(tmp_path)
    county_dir = str(pair.county.data_dir.root)  # type: ignore[union-attr]
    pair.close()
    v2_dir, extra_item = make_v2_forms_dir(tmp_path)
    assert main(["publish-form", str(v2_dir / "annex4_producer.toml"), "--data-dir", county_dir]) == 0
    out = capsys.readouterr().out
    assert "第 2 版" in out and extra_item in out
    assert main(["publish-form", str(v2_dir / "annex4_producer.toml"), "--data-dir", county_dir]) == 2
    assert "已存在" in capsys.readouterr().err
    assert main(["notices", "--data-dir", county_dir, "--add", "通知一", "--body", "正文",
                 "--date", "2026-11-20"]) == 0
    assert "2026-11-20  通知一" in capsys.readouterr().out
    assert main(["key-products", "add", "电线电缆", "--category", "电工及材料", "--data-dir", county_dir]) == 0
    assert main(["key-products", "list", "--data-dir", county_dir]) == 0
    assert "电线电缆  电工及材料" in capsys.readouterr().out
    assert main(["form-versions", "--data-dir", county_dir]) == 0
    assert "山东省产品质量安全监督检查记录表（生产者）  第 2 版" in capsys.readouterr().out


def test_key_products_import_from_excel(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from openpyxl import Workbook

    pair = make_pair(tmp_path)
    county_dir = str(pair.county.data_dir.root)  # type: ignore[union-attr]
    add_key_product(pair.county, "电线电缆")
    pair.close()
    wb = Workbook()
    ws = wb.active
    ws.append(["2027年重点产品目录"])
    ws.append(["序号", "产品名称", "产品类别", "许可类型", "备注"])
    ws.append([1, "电线电缆", "电工及材料", "工业产品生产许可证", None])
    ws.append([2, "燃气灶具", "家用电器", "CCC", "新增"])
    ws.append([3, "危险化学品", "化工", "工业产品生产许可证", None])
    ws.append([4, "燃气灶具", "家用电器", "CCC", "重复"])
    ws.append([None, None, None, None, None])
    xlsx = tmp_path / "目录.xlsx"
    wb.save(xlsx)
    assert main(["key-products", "import", str(xlsx), "--data-dir", county_dir]) == 0
    out = capsys.readouterr().out
    assert "已导入 2 个产品，2 个已在目录中而跳过" in out
    assert "燃气灶具  家用电器  CCC  新增" in out

    bad = tmp_path / "无表头.xlsx"
    wb2 = Workbook()
    wb2.active.append(["名单", "类别"])
    wb2.save(bad)
    before = open_store(county_dir)
    try:
        snap = snapshot(before)
    finally:
        before.close()
    assert main(["key-products", "import", str(bad), "--data-dir", county_dir]) == 2
    assert "找不到“产品名称”列" in capsys.readouterr().err
    after = open_store(county_dir)
    try:
        assert snapshot(after) == snap
        assert sorted(k.name for k in list_key_products(after)) == ["危险化学品", "燃气灶具", "电线电缆"]
    finally:
        after.close()
