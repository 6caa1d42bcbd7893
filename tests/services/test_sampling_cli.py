"""The sampling and draw commands: same services without a window; bad input → exit 2, nothing written."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from qsdesk.cli import main
from qsdesk.store.models import FollowUpStep, InspectionPlan, Sampling
from tests.services.sampling_factories import add_enterprise, add_enterprises

USCC = "91370112MA3C0000XL"


def test_sampling_add_list_steps_close(store, data_dir: Path, capsys) -> None:
    add_enterprise(store, "济南华光电器有限公司", uscc=USCC)
    dd = ["--data-dir", str(data_dir)]
    common = ["--producer", USCC, "--product", "转换器", "--trademark", "华光", "--model", "GN-205",
              "--standard", "GB/T 2099.7-2015", "--organiser", "历城区市场监督管理局"]
    assert main(["sampling", "add", *dd, *common, "--result", "合格", "--sampled-on", "2026-06-02"]) == 0
    assert main(["sampling", "add", *dd, *common, "--result", "合格", "--sampled-on", "2026-08-03"]) == 0
    capsys.readouterr()
    assert main(["sampling", "add", *dd, *common, "--result", "不合格", "--items", "插套温升",
                 "--sampled-on", "2026-10-09", "--received-on", "2026-10-12"]) == 0
    out = capsys.readouterr().out
    assert "提示：重复抽查" in out and "2026-06-02" in out and "已生成后处理步骤" in out
    with store.session() as s:
        sid = s.scalars(select(Sampling.id).where(Sampling.result == "不合格")).one()
        step_ids = list(s.scalars(select(FollowUpStep.id).where(FollowUpStep.sampling_id == sid)))
    assert main(["sampling", "list", *dd, "--open"]) == 0
    out = capsys.readouterr().out
    assert sid in out and f"后处理 0/{len(step_ids)}" in out
    assert main(["sampling", "steps", *dd, sid]) == 0
    out = capsys.readouterr().out
    assert "异议处理\t待送达" in out and "objection" not in out and "list_abnormal" not in out
    assert main(["sampling", "overdue", *dd, "--today", "2026-10-13"]) == 0
    out = capsys.readouterr().out
    assert "逾期 1 项" in out and "送达检验报告" in out
    assert main(["sampling", "deliver", *dd, sid, "--on", "2026-10-11"]) == 2  # before the report arrived
    assert "早于报告收到日期" in capsys.readouterr().err
    assert main(["sampling", "deliver", *dd, sid, "--on", "2026-10-12"]) == 0
    capsys.readouterr()
    assert main(["sampling", "steps", *dd, sid]) == 0
    out = capsys.readouterr().out
    assert "异议处理\t逾期（2026-10-27）" in out and "待送达" not in out  # today is past 10-27
    assert "《产品质量监督抽查管理暂行办法》第四十六条" in out and "《产品质量法》第十五条" in out
    assert main(["sampling", "close", *dd, sid]) == 2
    assert "未完成" in capsys.readouterr().err
    for st in step_ids:
        assert main(["sampling", "step-done", *dd, st, "--on", "2026-10-20", "--outcome", "不适用",
                     "--note", "不符合适用情形"]) == 0
    assert main(["sampling", "close", *dd, sid, "--on", "2026-10-21"]) == 0
    with store.session() as s:
        assert str(s.get(Sampling, sid).followup_closed_on) == "2026-10-21"


def test_sampling_add_bad_input(store, data_dir: Path, capsys) -> None:
    dd = ["--data-dir", str(data_dir)]
    assert main(["sampling", "add", *dd, "--producer", "不存在的厂", "--product", "x", "--result", "合格",
                 "--sampled-on", "2026-01-01"]) == 2
    assert "找不到企业" in capsys.readouterr().err
    add_enterprise(store, "济南华光电器有限公司", uscc=USCC)
    assert main(["sampling", "add", *dd, "--producer", USCC, "--product", "x", "--result", "不合格",
                 "--sampled-on", "2026-01-01"]) == 2
    assert "不合格项目" in capsys.readouterr().err
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Sampling)) == 0


def test_draw_create_verify_export(store, data_dir: Path, tmp_path: Path, capsys) -> None:
    add_enterprises(store, 10, town="王舍人街道")
    dd = ["--data-dir", str(data_dir)]
    assert main(["draw", "create", *dd, "--title", "第一批", "--count", "3", "--seed", "cli-seed",
                 "--town", "王舍人街道"]) == 0
    out = capsys.readouterr().out
    assert "对象库 10 户" in out and "cli-seed" in out
    with store.session() as s:
        pid = s.scalars(select(InspectionPlan.id)).one()
    assert main(["draw", "verify", *dd, pid]) == 0
    assert "验证通过" in capsys.readouterr().out
    assert main(["draw", "export", *dd, pid, "--out", str(tmp_path / "p.xlsx")]) == 0
    assert (tmp_path / "p.xlsx").exists()
    assert main(["draw", "create", *dd, "--title", "太多", "--count", "30"]) == 2
    assert "超过" in capsys.readouterr().err


def test_sampling_conclude(store, data_dir: Path, capsys) -> None:
    add_enterprise(store, "济南华光电器有限公司", uscc=USCC)
    dd = ["--data-dir", str(data_dir)]
    assert main(["sampling", "add", *dd, "--producer", USCC, "--product", "转换器", "--result", "待检",
                 "--sampled-on", "2026-09-01"]) == 0
    with store.session() as s:
        sid = s.scalars(select(Sampling.id)).one()
    capsys.readouterr()
    assert main(["sampling", "conclude", *dd, sid, "--result", "拒检"]) == 0
    assert "已生成后处理步骤 4 项" in capsys.readouterr().out
    assert main(["sampling", "conclude", *dd, sid, "--result", "合格"]) == 2
    assert "已有结论" in capsys.readouterr().err
