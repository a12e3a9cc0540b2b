"""三务公开 in a real browser: the community secretary adopts the default 公开目录, drafts this month's
财务收支明细 from its calendar cell, adds lines inline (a bad amount is refused in place), edits one,
imports a csv, publishes after the confirmation, sees it on the public page (no login), and corrects
it: the correction is a new chain item naming the old one."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from sanzhi.core.testing import Town
from sanzhi.disclosure.models import Disclosure, DisclosurePlan, DisclosureStatus, FinanceLine, Publication
from sanzhi.web.tests.conftest import shot
from sanzhi.web.tests.test_browser import live_town, no_horizontal_overflow
from sanzhi.web.tests.test_tickets_browser import open_as

pytestmark = pytest.mark.browser
__all__ = ["live_town", "open_as"]  # fixtures, imported for this module
VILLAGE = "511923100201"


def settled(page: Any) -> None:
    page.wait_for_function("() => !document.querySelector('.htmx-request')")


def add_line(page: Any, day: dt.date, direction: str, item: str, amount: str) -> None:
    page.select_option("#id_add-direction", direction)
    page.fill("#id_add-date", day.isoformat())
    page.fill("#id_add-item", item)
    page.fill("#id_add-amount", amount)
    page.click("[data-testid=line-add-submit]")
    settled(page)


def test_adopt_draft_lines_import_publish_correct(
    live_town: Town, live_server: Any, open_as: Any, tmp_path: Path
) -> None:
    today = timezone.localdate()
    first = today.replace(day=1)
    month = today.strftime("%Y-%m")
    page = open_as("secretary")

    # 公开目录: adopt the default catalogue.
    page.goto(f"{live_server.url}/disclosure/plans/?node={VILLAGE}")
    page.locator("[data-testid=plans-empty]").wait_for()
    page.click("[data-testid=plans-adopt]")
    page.locator(".alert-success", has_text="已采用默认公开目录").wait_for()
    assert page.locator("[data-testid=plan-row]").count() == DisclosurePlan.objects.count() > 5
    plan = DisclosurePlan.objects.get(title="财务收支明细")

    # The calendar: this month's cell of 财务收支明细 offers "起草".
    page.click("[data-testid=tab-calendar]")
    cell = page.locator(f"[data-testid=calendar-cell][data-plan='{plan.pk}'][data-period='{month}']")
    assert cell.get_attribute("data-status") == "upcoming"
    shot(page, "disc01-calendar")
    cell.locator("[data-testid=cell-draft]").click()
    assert page.input_value("#id_period") == month
    page.fill("#id_body", "本月村集体收支明细如下，欢迎村民监督。")
    page.click("[data-testid=draft-submit]")
    page.locator(".alert-success", has_text="已起草").wait_for()
    disclosure = Disclosure.objects.get(plan=plan, period=month)

    # Lines inline: two good ones, one with three decimals refused in place.
    add_line(page, first, "income", "村集体土地租金", "12,000.00")
    add_line(page, first, "expense", "道路维修材料费", "1,234.50")
    page.locator("[data-testid=line-row]").nth(1).wait_for()
    add_line(page, first, "expense", "办公用品", "12.345")
    page.locator("[data-testid=field-error]", has_text="金额最多保留两位小数").wait_for()
    assert FinanceLine.objects.filter(disclosure=disclosure).count() == 2
    assert page.inner_text("[data-testid=total-net]") == "10,765.50"
    # Edit the second line in place.
    page.locator("[data-testid=line-row]").nth(1).locator("[data-testid=line-edit]").click()
    page.locator("[data-testid=line-editor]").wait_for()
    page.fill("#id_edit-amount", "1,200")
    page.click("[data-testid=line-save]")
    settled(page)
    page.locator("[data-testid=line-editor]").wait_for(state="detached")
    assert page.inner_text("[data-testid=total-expense]") == "1,200.00"
    shot(page, "disc02-lines")

    # Import a csv (appended after the lines there).
    csv_file = tmp_path / "lines.csv"
    csv_file.write_text(
        "日期,收支,摘要,对方单位,凭证号,金额(元),备注\n"
        f"{first.isoformat()},支出,保洁服务费,平昌保洁公司,记-003,800,\n"
        f'{first.isoformat()},收入,上级补助,江口镇财政所,记-004,"3,000.00",\n',
        encoding="utf-8",
    )
    page.click("[data-testid=lines-import]")
    page.set_input_files("#id_file", str(csv_file))
    page.click("[data-testid=lines-import-submit]")
    page.locator(".alert-success", has_text="新增 2 条收支").wait_for()
    assert page.locator("[data-testid=line-row]").count() == 4
    assert page.inner_text("[data-testid=total-net]") == "13,000.00"

    # Publish after the confirmation.
    page.click("[data-testid=publish-go]")
    assert "不能再修改或删除" in page.inner_text("[data-testid=publish-warning]")
    shot(page, "disc03-confirm")
    page.click("[data-testid=publish-submit]")
    page.locator(".alert-success", has_text="已公开：公开链第").wait_for()
    disclosure.refresh_from_db()
    assert disclosure.status == DisclosureStatus.PUBLISHED and disclosure.publication is not None
    seq = disclosure.publication.seq
    assert page.inner_text("[data-testid=publication-seq]") == str(seq)
    assert page.inner_text("[data-testid=publication-hash]") == disclosure.publication.hash
    assert page.locator("[data-testid=line-add-form]").count() == 0
    public_href = page.get_attribute("[data-testid=public-link]", "href")
    assert public_href == f"/public/disclosure/{VILLAGE}/{seq}/"

    # The public page, without login.
    public = open_public(page, live_server.url + public_href)
    assert public.inner_text("[data-testid=item-title]") == disclosure.title
    content = public.inner_text("[data-testid=item-content]")
    assert "道路维修材料费" in content and "1,200.00" in content and "保洁服务费" in content
    assert public.inner_text("[data-testid=item-hash]") == disclosure.publication.hash
    shot(public, "disc04-public")
    public.context.close()

    # Correct it: a reason, a new draft with the lines, change one, publish again.
    page.fill("#id_reason", "保洁服务费金额录入有误")
    page.click("[data-testid=correct-submit]")
    page.locator("[data-testid=corrects-note]", has_text="保洁服务费金额录入有误").wait_for()
    correction = Disclosure.objects.get(corrects=disclosure)
    row = page.locator("[data-testid=line-row]", has_text="保洁服务费")
    row.locator("[data-testid=line-edit]").click()
    page.fill("#id_edit-amount", "850")
    page.click("[data-testid=line-save]")
    settled(page)
    page.locator("[data-testid=line-editor]").wait_for(state="detached")
    page.click("[data-testid=publish-go]")
    page.click("[data-testid=publish-submit]")
    page.locator(".alert-success", has_text="已公开：公开链第").wait_for()
    correction.refresh_from_db()
    assert correction.publication is not None
    assert correction.publication.corrects_id == seq
    assert Publication.objects.count() == 2
    assert no_horizontal_overflow(page)
    public = open_public(page, f"{live_server.url}/public/disclosure/{VILLAGE}/{seq}/")
    public.locator("[data-testid=item-corrected]").wait_for()
    public.context.close()


def open_public(page: Any, url: str) -> Any:
    """A fresh browser context (no session cookie): what anyone sees."""
    context = page.context.browser.new_context(locale="zh-CN")
    public = context.new_page()
    public.set_default_timeout(10_000)
    public.goto(url)
    return public
