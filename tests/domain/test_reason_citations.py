"""Domain reason texts cite the real documents, never our seed file numbers."""

from __future__ import annotations

from datetime import date

from qsdesk.domain.grading import grade_with_reason
from qsdesk.domain.supervision import half_year_visit_status
from tests.test_no_program_keys import offending


def test_half_year_texts_cite_the_samr_opinion() -> None:
    due = half_year_visit_status(date(2026, 3, 2), None, date(2026, 1, 5))
    overdue = half_year_visit_status(date(2026, 8, 3), None, date(2026, 1, 5))
    for status in (due, overdue):
        assert "国市监质监发〔2023〕38号 二（一）" in status.reason, status
        assert not offending(status.reason)


def test_individual_business_reason_cites_the_documents() -> None:
    _, why = grade_with_reason(["retailer"], 3, 10, True)
    assert "国市监质监发〔2023〕38号 附件1" in why and not offending(why)
