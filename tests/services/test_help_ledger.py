"""帮扶台账: help entries per enterprise, tied to the non-conformity they answer."""

from __future__ import annotations

from datetime import date

import pytest

from qsdesk.services import help_ledger as hl
from qsdesk.store.models import Sampling
from tests.services.sampling_factories import add_enterprise


def _sampling(store, ent, result):
    with store.transaction() as s:
        smp = Sampling(enterprise_id=ent, product_name="电线电缆", sampled_on=date(2026, 3, 1), result=result,
                       nonconforming_items="导体电阻" if result == "不合格" else None)
        s.add(smp)
        s.flush()
        return smp.id


def test_help_is_linked_to_the_nonconformity(store) -> None:
    ent = add_enterprise(store, "济南鲁缆电缆有限公司")
    bad = _sampling(store, ent, "不合格")
    good = _sampling(store, ent, "合格")
    hid = hl.add_help(store, hl.HelpInput(ent, "advice_letter", date(2026, 4, 2), "出具质量建议书：改进拉丝退火工艺",
                                          sampling_id=bad, provider="山东省产品质量检验研究院"))
    with pytest.raises(hl.HelpLedgerError, match="合格"):
        hl.add_help(store, hl.HelpInput(ent, "technical", date(2026, 4, 2), "x", sampling_id=good))
    other = add_enterprise(store, "别家")
    with pytest.raises(hl.HelpLedgerError, match="不属于"):
        hl.add_help(store, hl.HelpInput(other, "technical", date(2026, 4, 2), "x", sampling_id=bad))
    with pytest.raises(hl.HelpLedgerError, match="帮扶类型"):
        hl.add_help(store, hl.HelpInput(ent, "lunch", date(2026, 4, 2), "x"))
    hl.set_outcome(store, hid, "复查合格")
    with store.session() as s:
        rows = list(s.execute(hl.ledger_query(enterprise_id=ent)))
        assert len(rows) == 1
        rec, name, product, items = rows[0]
        assert rec.id == hid and name == "济南鲁缆电缆有限公司" and product == "电线电缆" and items == "导体电阻"
        assert rec.outcome == "复查合格"
        assert [h.id for h in hl.help_for_sampling(s, bad)] == [hid]
        assert list(s.execute(hl.ledger_query(year=2025))) == []
