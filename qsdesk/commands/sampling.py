"""``sampling`` (results, follow-up, tracking list) and ``draw`` (双随机 plans) commands."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from qsdesk.cli import CommandError, add_data_dir, add_user_args, open_as_user, open_node_store
from qsdesk.domain.grading import Grade
from qsdesk.domain.sampling import ENTRY_RESULTS, SamplingResult


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期格式应为 YYYY-MM-DD：{text}") from None


#: Chinese words accepted on the command line for the draw's filters (the stored keys stay internal).
UNIT_TYPES = {"生产者": "producer", "生产": "producer", "批发商": "wholesaler", "批发": "wholesaler",
              "零售商": "retailer", "零售": "retailer"}
CLASSES = {"日常": "routine", "日常/触发式": "routine", "重点": "key", "特别": "special"}


def _choice(words: dict[str, str], what: str) -> Any:
    def parse(text: str) -> str:
        t = text.strip()
        if t in words:
            return words[t]
        if t in words.values():
            return t
        raise argparse.ArgumentTypeError(f"{what}应为：{'、'.join(dict.fromkeys(words))}")
    return parse


def register(sub: Any) -> None:
    p = sub.add_parser("sampling", help="监督抽查：录入结果、后处理、跟踪抽查名单")
    ssub = p.add_subparsers(dest="sampling_cmd", metavar="操作", required=True)

    a = ssub.add_parser("add", help="录入一条抽查结果（显示重复抽查/上抽下不抽提示，不合格自动生成后处理）")
    add_data_dir(a)
    a.add_argument("--producer", help="生产者：统一社会信用代码或企业全称")
    a.add_argument("--seller", help="销售者：统一社会信用代码或企业全称")
    a.add_argument("--product", required=True, help="产品名称")
    a.add_argument("--result", required=True, choices=ENTRY_RESULTS,
                   help="检验结论（结论未出时填 待检，之后用 sampling conclude 登记）")
    a.add_argument("--sampled-on", type=_date, required=True, help="抽样日期 YYYY-MM-DD")
    a.add_argument("--level", default="县级", help="任务层级：国家、省级、市级或县级（默认县级）")
    a.add_argument("--organiser", help="组织抽查的部门")
    a.add_argument("--task", help="任务名称")
    a.add_argument("--year", type=int, help="年度（默认抽样日期所在年）")
    a.add_argument("--batch", help="批次")
    a.add_argument("--trademark", help="商标")
    a.add_argument("--model", help="规格型号")
    a.add_argument("--standard", help="执行标准")
    a.add_argument("--production-batch", help="生产日期/批号")
    a.add_argument("--items", help="不合格项目")
    a.add_argument("--major-hazard", action="store_true", help="存在重大质量安全隐患")
    a.add_argument("--received-on", type=_date, help="不合格报告收到日期")
    a.add_argument("--delivered-on", type=_date, help="不合格报告送达企业日期（异议、整改、复查期限自此起算）")
    add_user_args(a)
    a.set_defaults(func=cmd_add)

    cc = ssub.add_parser("conclude", help="为待检的抽查登记检验结论")
    add_data_dir(cc)
    cc.add_argument("sampling_id", metavar="抽查ID")
    cc.add_argument("--result", required=True, choices=[r.value for r in SamplingResult])
    cc.add_argument("--items", help="不合格项目")
    cc.add_argument("--major-hazard", action="store_true", help="存在重大质量安全隐患")
    cc.add_argument("--received-on", type=_date, help="报告收到日期")
    cc.add_argument("--delivered-on", type=_date, help="不合格报告送达企业日期")
    add_user_args(cc)
    cc.set_defaults(func=cmd_conclude)

    dv = ssub.add_parser("deliver", help="登记不合格检验报告送达企业的日期（异议、整改、复查期限随之确定）")
    add_data_dir(dv)
    dv.add_argument("sampling_id", metavar="抽查ID")
    dv.add_argument("--on", type=_date, required=True, help="送达日期 YYYY-MM-DD")
    add_user_args(dv)
    dv.set_defaults(func=cmd_deliver)

    ls = ssub.add_parser("list", help="列出抽查结果")
    add_data_dir(ls)
    ls.add_argument("--result", choices=ENTRY_RESULTS)
    ls.add_argument("--year", type=int)
    ls.add_argument("--open", action="store_true", help="只列后处理未办结的")
    ls.set_defaults(func=cmd_list)

    st = ssub.add_parser("steps", help="列出一条抽查结果的后处理步骤")
    add_data_dir(st)
    st.add_argument("sampling_id", metavar="抽查ID")
    st.set_defaults(func=cmd_steps)

    d = ssub.add_parser("step-done", help="完成一个后处理步骤")
    add_data_dir(d)
    d.add_argument("step_id", metavar="步骤ID")
    d.add_argument("--on", type=_date, default=None, help="完成日期（默认今天）")
    d.add_argument("--outcome", help="结果，如 已立案、不予立案、不适用")
    d.add_argument("--note", help="备注或理由")
    add_user_args(d)
    d.set_defaults(func=cmd_step_done)

    c = ssub.add_parser("close", help="办结后处理（所有步骤完成后）")
    add_data_dir(c)
    c.add_argument("sampling_id", metavar="抽查ID")
    c.add_argument("--on", type=_date, default=None, help="办结日期（默认今天）")
    add_user_args(c)
    c.set_defaults(func=cmd_close)

    o = ssub.add_parser("overdue", help="逾期未完成的后处理步骤")
    add_data_dir(o)
    o.add_argument("--today", type=_date, default=None)
    o.set_defaults(func=cmd_overdue)

    t = ssub.add_parser("tracking", help="跟踪抽查名单（上年度不合格企业）")
    add_data_dir(t)
    t.add_argument("--year", type=int, default=None, help="名单年度（默认今年）")
    t.set_defaults(func=cmd_tracking)

    dr = sub.add_parser("draw", help="双随机抽查：抽取、验证、公示导出")
    dsub = dr.add_subparsers(dest="draw_cmd", metavar="操作", required=True)
    n = dsub.add_parser("create", help="从对象库随机抽取企业并随机匹配检查人员，生成抽查计划")
    add_data_dir(n)
    n.add_argument("--title", required=True)
    n.add_argument("--count", type=int, required=True, help="抽取企业数")
    n.add_argument("--seed", help="随机种子（默认随机生成并记录）")
    n.add_argument("--town")
    n.add_argument("--domain", choices=["生产", "流通", "电商", "其他"])
    n.add_argument("--unit-type", type=_choice(UNIT_TYPES, "单位类型"), metavar="单位类型",
                   help="生产者、批发商或零售商")
    n.add_argument("--grade", choices=[g.value for g in Grade])
    n.add_argument("--supervision-class", type=_choice(CLASSES, "监管类别"), metavar="监管类别",
                   help="日常、重点或特别")
    n.add_argument("--tracking-year", type=int, default=None,
                   help="只从该年度跟踪抽查名单内的企业中抽取（上年度不合格、拒检企业）")
    n.add_argument("--team-size", type=int, default=2, choices=[1, 2])
    n.add_argument("--drawn-on", type=_date, default=None)
    n.add_argument("--due-on", type=_date, default=None)
    add_user_args(n)
    n.set_defaults(func=cmd_draw_create)

    v = dsub.add_parser("verify", help="按记录的种子和对象库重新抽取并比对")
    add_data_dir(v)
    v.add_argument("plan_id", metavar="计划ID")
    v.set_defaults(func=cmd_draw_verify)

    e = dsub.add_parser("export", help="导出抽查结果公示名单（一公开）.xlsx")
    add_data_dir(e)
    e.add_argument("plan_id", metavar="计划ID")
    e.add_argument("--out", type=Path, required=True)
    e.set_defaults(func=cmd_draw_export)


def _enterprise(store: Any, key: str | None) -> str | None:
    if not key:
        return None
    from sqlalchemy import or_, select

    from qsdesk.domain.uscc import normalize
    from qsdesk.store.models import Enterprise

    with store.session() as s:
        ids = list(s.scalars(select(Enterprise.id).where(
            Enterprise.deleted.is_(False), or_(Enterprise.uscc == normalize(key), Enterprise.name == key.strip()))))
    if not ids:
        raise CommandError(f"找不到企业：{key}（请用统一社会信用代码或企业全称）")
    if len(ids) > 1:
        raise CommandError(f"有 {len(ids)} 家企业名为“{key}”，请改用统一社会信用代码")
    return ids[0]


def cmd_add(args: argparse.Namespace) -> int:
    from qsdesk.services import sampling as svc

    store = open_as_user(args)
    try:
        inp = svc.SamplingInput(
            product_name=args.product, sampled_on=args.sampled_on, result=args.result,
            producer_id=_enterprise(store, args.producer), seller_id=_enterprise(store, args.seller),
            level=args.level, organiser=args.organiser, task_name=args.task, year=args.year, batch=args.batch,
            trademark=args.trademark, model=args.model, standard=args.standard,
            production_batch=args.production_batch, nonconforming_items=args.items,
            major_hazard=args.major_hazard, report_received_on=args.received_on,
            report_delivered_on=args.delivered_on,
        )
        try:
            res = svc.enter_sampling(store, inp)
        except svc.SamplingError as exc:
            raise CommandError(str(exc)) from None
    finally:
        store.close()
    print(f"已录入抽查结果 {res.sampling_id}")
    _print_outcome(res)
    return 0


def _print_outcome(res: Any) -> None:
    for w in res.warnings:
        print(f"提示：{w.message}")
    if res.step_ids:
        print(f"已生成后处理步骤 {len(res.step_ids)} 项")
    if res.escalation and res.escalation.level != "无":
        for r in res.escalation.reasons:
            print(f"升级：{r}")


def cmd_conclude(args: argparse.Namespace) -> int:
    from qsdesk.services import sampling as svc

    store = open_as_user(args)
    try:
        res = svc.record_result(store, args.sampling_id, args.result, nonconforming_items=args.items,
                                major_hazard=args.major_hazard, report_received_on=args.received_on,
                                report_delivered_on=args.delivered_on)
    except svc.SamplingError as exc:
        raise CommandError(str(exc)) from None
    finally:
        store.close()
    print(f"已登记检验结论：{args.result}")
    _print_outcome(res)
    return 0


def cmd_deliver(args: argparse.Namespace) -> int:
    from qsdesk.services import sampling as svc

    store = open_as_user(args)
    try:
        moved = svc.record_delivery(store, args.sampling_id, args.on)
    except svc.SamplingError as exc:
        raise CommandError(str(exc)) from None
    finally:
        store.close()
    print(f"已登记送达日期 {args.on.isoformat()}，{len(moved)} 个步骤的期限已确定或调整")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from qsdesk.services import sampling as svc

    store = open_node_store(args)
    try:
        with store.session() as s:
            for r in s.execute(svc.list_query(result=args.result, year=args.year, open_followup=args.open)):
                prog = ""
                if r.all_steps:
                    prog = "已办结" if r.followup_closed_on else f"后处理 {r.all_steps - r.open_steps}/{r.all_steps}"
                print("\t".join(str(x) for x in (r.id, r.sampled_on, r.enterprise, r.product_name,
                                                 svc.LEVEL_LABELS.get(r.level, r.level), r.result, prog)))
    finally:
        store.close()
    return 0


def cmd_steps(args: argparse.Namespace) -> int:
    from qsdesk.services import followup as fu
    from qsdesk.store.models import Sampling

    store = open_node_store(args)
    try:
        with store.session() as s:
            smp = s.get(Sampling, args.sampling_id)
            if smp is None or smp.deleted:
                raise CommandError("抽查记录不存在")
            today = date.today()
            templates = {t.key: t for t in fu.templates_for(s, smp)}
            for st in fu.steps(s, smp.id):
                tpl = templates.get(st.step)
                status = fu.step_status(st, smp, today)
                if tpl is not None and tpl.by_default and st.due_on is not None and st.done_on is None:
                    status += "（默认期限，县局可设置）"
                print("\t".join((st.id, fu.step_label(st.step), status, st.outcome or "",
                                 tpl.basis if tpl is not None else "")))
                if st.note:  # e.g. a deadline counted Monday–Friday for a year with no holiday schedule
                    print(f"\t注：{st.note}")
    finally:
        store.close()
    return 0


def cmd_step_done(args: argparse.Namespace) -> int:
    from qsdesk.services import followup as fu

    store = open_as_user(args)
    try:
        fu.complete_step(store, args.step_id, args.on or date.today(), args.outcome, args.note)
    except fu.FollowUpError as exc:
        raise CommandError(str(exc)) from None
    finally:
        store.close()
    print("已完成")
    return 0


def cmd_close(args: argparse.Namespace) -> int:
    from qsdesk.services import followup as fu

    store = open_as_user(args)
    try:
        fu.close_followup(store, args.sampling_id, args.on or date.today())
    except fu.FollowUpError as exc:
        raise CommandError(str(exc)) from None
    finally:
        store.close()
    print("后处理已办结")
    return 0


def cmd_overdue(args: argparse.Namespace) -> int:
    from qsdesk.services import followup as fu

    store = open_node_store(args)
    today = args.today or date.today()
    try:
        with store.session() as s:
            rows = list(s.execute(fu.overdue_query(today)))
    finally:
        store.close()
    for r in rows:
        print("\t".join((r.due_on.isoformat(), r.enterprise, r.product_name, fu.step_label(r.step, r.result), r.id)))
    print(f"逾期 {len(rows)} 项（截至 {today.isoformat()}）")
    return 0


def cmd_tracking(args: argparse.Namespace) -> int:
    from qsdesk.services import sampling as svc

    year = args.year or date.today().year
    store = open_node_store(args)
    try:
        with store.session() as s:
            rows = svc.tracking_list(s, year)
    finally:
        store.close()
    for t in rows:
        print("\t".join((t.name, f"不合格 {t.failures} 次", f"拒检 {t.refusals} 次", t.last_on.isoformat(), t.products,
                         t.roles)))
    print(f"{year} 年跟踪抽查名单：{len(rows)} 家（列入规则：{svc.TRACKING_RULE}）")
    return 0


def cmd_draw_create(args: argparse.Namespace) -> int:
    from qsdesk.services import draw_publication as pub
    from qsdesk.services import random_draw as rd

    store = open_as_user(args)
    try:
        flt = rd.PoolFilter(town=args.town, domain=args.domain, unit_type=args.unit_type, grade=args.grade,
                            supervision_class=args.supervision_class, tracking_year=args.tracking_year)
        try:
            pid = rd.create_plan(store, title=args.title, count=args.count, flt=flt, seed=args.seed,
                                 team_size=args.team_size, drawn_on=args.drawn_on, due_on=args.due_on)
        except rd.DrawError as exc:
            raise CommandError(str(exc)) from None
        with store.session() as s:
            from qsdesk.store.models import InspectionPlan

            plan = s.get(InspectionPlan, pid)
            assert plan is not None
            print(f"抽查计划 {pid}：对象库 {plan.pool_size} 户，抽取 {plan.draw_count} 户，种子 {plan.seed}，"
                  f"对象库哈希 {plan.pool_hash}")
            for row in pub.publication_rows(s, pid):
                print("\t".join(str(x) for x in (row[0], row[1], row[2], row[4])))
    finally:
        store.close()
    return 0


def cmd_draw_verify(args: argparse.Namespace) -> int:
    from qsdesk.services import random_draw as rd

    store = open_node_store(args)
    try:
        with store.session() as s:
            try:
                v = rd.verify_plan(s, args.plan_id)
            except rd.DrawError as exc:
                raise CommandError(str(exc)) from None
    finally:
        store.close()
    if v.ok:
        print("验证通过：按记录的种子和对象库重新抽取，结果与计划一致")
        return 0
    for p in v.problems:
        print(f"不一致：{p}")
    return 1


def cmd_draw_export(args: argparse.Namespace) -> int:
    from qsdesk.services import draw_publication as pub
    from qsdesk.services import random_draw as rd

    if args.out.suffix.lower() != ".xlsx":
        raise CommandError("输出文件应以 .xlsx 结尾")
    store = open_node_store(args)
    try:
        try:
            out = pub.export_publication(store, args.plan_id, args.out)
        except rd.DrawError as exc:
            raise CommandError(str(exc)) from None
    finally:
        store.close()
    print(f"公示名单已导出：{out}")
    return 0
