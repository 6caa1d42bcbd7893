"""Every sortable column a page names exists in the statement its service hands over, and the
model can sort by it in the database (a wrong name would only fail when a header is clicked)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from qsdesk.services import audit, followup, inspection_list, master_data, risk
from qsdesk.services import registry as reg
from qsdesk.services import sampling as smp
from qsdesk.services import task_checklists as tc
from qsdesk.services.sync import lists as sync_lists
from qsdesk.store.db import Store
from qsdesk.ui.lists import Column
from qsdesk.ui.query_model import sort_expression
from tests.registry_data import fill_registry


def _lists(store: Store) -> list[tuple[str, Any, Any]]:
    from qsdesk.ui.pages import checklists, inspections, registry, sampling, sync
    from qsdesk.ui.pages import master_data as md_page
    from qsdesk.ui.pages import risk as risk_page

    panel = md_page.MasterDataPanel
    return [
        ("inspections", inspections.COLUMNS, inspection_list.list_statement(store, "")),
        ("inspections-search", inspections.COLUMNS, inspection_list.list_statement(store, "济南")),
        ("registry", registry.COLUMNS, reg.list_statement(store.engine)),
        ("registry-search", registry.COLUMNS, reg.list_statement(store.engine, reg.RegistryFilter(text="济南"))),
        ("sampling", sampling.SamplingListTab.COLUMNS, smp.list_query()),
        ("overdue", sampling.OverdueTab.COLUMNS, followup.overdue_query(date(2026, 12, 1))),
        ("risk", risk_page.RiskPage.COLUMNS, risk.list_query(None)),
        ("checklists", checklists.MISSING_COLUMNS, tc.missing_list_statement("2026")),
        ("notices", panel.NOTICE_COLUMNS, master_data.notices_statement()),
        ("products", panel.PRODUCT_COLUMNS, master_data.products_statement()),
        ("forms", panel.FORM_COLUMNS, master_data.form_versions_statement()),
        ("holidays", panel.HOLIDAY_COLUMNS, master_data.holidays_statement()),
        ("history", sync.SyncPage.HISTORY_COLUMNS, sync_lists.history_statement()),
        ("conflicts", sync.SyncPage.CONFLICT_COLUMNS, sync_lists.open_conflicts_statement()),
        ("audit", [Column(k, k, k) for k in ("at", "actor", "action", "table_name")],
         audit.audit_list_statement("张")),
    ]


def test_every_sort_name_is_a_column_of_its_statement(store: Store) -> None:
    fill_registry(store)
    checked = 0
    with store.session() as s:
        for name, columns, stmt in _lists(store):
            for col in columns:
                if col.sort is None:
                    continue
                assert not isinstance(col.sort, str) or col.sort in stmt.selected_columns, (name, col.sort)
                expr = sort_expression(stmt, col.sort)
                for ordered in (expr.asc(), expr.desc()):  # as the model orders, in the database
                    s.execute(stmt.order_by(None).order_by(ordered).limit(5)).all()
                checked += 1
    assert checked >= 40


def test_a_name_not_in_the_statement_is_refused(store: Store) -> None:
    with pytest.raises(KeyError):
        sort_expression(master_data.notices_statement(), "no_such_column")
