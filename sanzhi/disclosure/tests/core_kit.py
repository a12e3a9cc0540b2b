"""Helpers of the disclosure service tests (task disclosure-core): a finance plan and drafts."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sanzhi.core.testing import Town
from sanzhi.disclosure.models import Area, Disclosure, DisclosurePlan, FinanceLine, Frequency
from sanzhi.disclosure.services import disclosure_draft, finance_line_add, plan_create

SH = ZoneInfo("Asia/Shanghai")
# Everything staff may do with disclosures at 创举社区: the community secretary, the township, the
# system administrator. Everyone else (including the secretary of 白衣村, "outsider") may not.
ALLOWED = {"secretary", "street", "sysadmin"}
PERSONAS = [
    "resident",
    "rep",
    "gridworker",
    "secretary",
    "street",
    "dept",
    "council",
    "sysadmin",
    "outsider",
    "nobody",
]


def finance_plan(town: Town, *, frequency: str = Frequency.MONTHLY, due_days: int = 10) -> DisclosurePlan:
    return plan_create(
        actor=town.secretary,
        node=town.village,
        area=Area.FINANCE,
        title="财务收支明细" if frequency == Frequency.MONTHLY else "集体资产与债权债务",
        frequency=frequency,
        due_days=due_days,
    )


def finance_draft(town: Town, plan: DisclosurePlan | None = None, period: str = "2026-10") -> Disclosure:
    plan = plan or finance_plan(town)
    return disclosure_draft(
        actor=town.secretary,
        node=town.village,
        area=Area.FINANCE,
        title=f"创举社区{period}财务收支",
        plan=plan,
        period=period,
        body="本月收支如下。",
    )


def add_lines(town: Town, disclosure: Disclosure) -> list[FinanceLine]:
    return [
        finance_line_add(
            actor=town.secretary,
            disclosure=disclosure,
            direction="income",
            date=dt.date(2026, 10, 8),
            item="停车场收费",
            counterparty="创举社区停车场",
            voucher_no="记-001",
            amount_fen=123450,
        ),
        finance_line_add(
            actor=town.secretary,
            disclosure=disclosure,
            direction="expense",
            date=dt.date(2026, 10, 20),
            item="道路硬化材料费",
            counterparty="平昌县建材公司",
            voucher_no="记-002",
            amount_fen=50000,
            note="3社道路",
        ),
    ]
