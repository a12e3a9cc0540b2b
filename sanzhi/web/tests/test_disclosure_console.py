"""三务公开 console pages per persona: who reaches which page (200 / 404 / login), the calendar's
statuses and alerts, plans, drafting, finance lines inline (yuan in, fen kept), import with per-row
errors, publish, correct, discard — and on every form, bad input gets a translated message and
nothing is written. Query counts of the list and the calendar do not grow with the rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sanzhi.core.testing import Town
from sanzhi.disclosure.models import (
    Area,
    Disclosure,
    DisclosurePlan,
    DisclosureStatus,
    FinanceLine,
    Frequency,
    Publication,
)
from sanzhi.disclosure.services import disclosure_draft, disclosure_publish, plan_create
from sanzhi.disclosure.tests.core_kit import SH, add_lines, finance_draft, finance_plan

pytestmark = pytest.mark.django_db
ClientAs = Callable[[str], Client]
VILLAGE = "511923100201"
HX = {"HX-Request": "true"}


@dataclass
class World:
    town: Town
    plan: DisclosurePlan
    draft: Disclosure  # 2026-11, finance, two lines
    published: Disclosure  # 2026-10, finance, two lines, on the chain
    line: FinanceLine


@pytest.fixture
def w(town: Town) -> World:
    plan = finance_plan(town)
    published = finance_draft(town, plan, "2026-10")
    add_lines(town, published)
    disclosure_publish(actor=town.secretary, disclosure=published)
    draft = finance_draft(town, plan, "2026-11")
    line = add_lines_nov(town, draft)[0]
    published.refresh_from_db()
    return World(town, plan, draft, published, line)


def add_lines_nov(town: Town, disclosure: Disclosure) -> list[FinanceLine]:
    from sanzhi.disclosure.services import finance_line_add

    return [
        finance_line_add(
            actor=town.secretary,
            disclosure=disclosure,
            direction="income",
            date=dt.date(2026, 11, 3),
            item="场地租金",
            amount_fen=200000,
        ),
        finance_line_add(
            actor=town.secretary,
            disclosure=disclosure,
            direction="expense",
            date=dt.date(2026, 11, 9),
            item="保洁费",
            amount_fen=35050,
        ),
    ]


def text(response: Any) -> str:
    return response.content.decode()


def lines_of(d: Disclosure) -> list[tuple[str, str, int]]:
    return list(
        FinanceLine.objects.filter(disclosure=d)
        .order_by("order")
        .values_list("direction", "item", "amount_fen")
    )


# ---------------------------------------------------------------- who reaches what

PAGES: dict[str, Callable[[World], str]] = {
    "list": lambda w: reverse("web:disclosure_list"),
    "list_village": lambda w: f"{reverse('web:disclosure_list')}?node={VILLAGE}",
    "calendar": lambda w: f"{reverse('web:disclosure_calendar')}?node={VILLAGE}",
    "plans": lambda w: f"{reverse('web:disclosure_plans')}?node={VILLAGE}",
    "plan_new": lambda w: f"{reverse('web:disclosure_plan_new')}?node={VILLAGE}",
    "plan_edit": lambda w: reverse("web:disclosure_plan_edit", args=[w.plan.pk]),
    "new": lambda w: f"{reverse('web:disclosure_new')}?node={VILLAGE}",
    "draft": lambda w: reverse("web:disclosure_detail", args=[w.draft.pk]),
    "published": lambda w: reverse("web:disclosure_detail", args=[w.published.pk]),
    "publish": lambda w: reverse("web:disclosure_publish", args=[w.draft.pk]),
    "import": lambda w: reverse("web:disclosure_lines_import", args=[w.draft.pk]),
    "export": lambda w: reverse("web:disclosure_lines_export", args=[w.draft.pk, "xlsx"]),
    "export_csv": lambda w: reverse("web:disclosure_lines_export", args=[w.published.pk, "csv"]),
    "line_edit": lambda w: reverse("web:disclosure_line_edit", args=[w.draft.pk, w.line.pk]),
    "lines": lambda w: reverse("web:disclosure_lines", args=[w.draft.pk]),
}
# persona → pages answering 200; every other page is a 404 (existence not disclosed).
REACH = {
    "secretary": set(PAGES),
    "street": set(PAGES),
    "sysadmin": set(PAGES),
    # 白衣村's secretary works on disclosures there: the list of its own, nothing of 创举社区.
    "outsider": {"list"},
    "gridworker": set(),
    "council": set(),
    "rep": set(),
    "resident": set(),
    "dept": set(),
    "nobody": set(),
}


@pytest.mark.parametrize("persona", sorted(REACH))
def test_pages_per_persona(w: World, client_as: ClientAs, persona: str) -> None:
    client = client_as(persona)
    for name, url in PAGES.items():
        expected = 200 if name in REACH[persona] else 404
        assert client.get(url(w)).status_code == expected, (persona, name)


@pytest.mark.parametrize("persona", ["gridworker", "council", "rep", "resident", "outsider", "nobody"])
def test_writes_refused_out_of_scope(w: World, client_as: ClientAs, persona: str) -> None:
    client = client_as(persona)
    posts = [
        (reverse("web:disclosure_line_add", args=[w.draft.pk]), {"add-item": "x"}),
        (reverse("web:disclosure_line_remove", args=[w.draft.pk, w.line.pk]), {}),
        (reverse("web:disclosure_publish", args=[w.draft.pk]), {}),
        (reverse("web:disclosure_discard", args=[w.draft.pk]), {}),
        (reverse("web:disclosure_correct", args=[w.published.pk]), {"reason": "x"}),
        (reverse("web:disclosure_plans_adopt"), {"node": VILLAGE}),
        (reverse("web:disclosure_plan_active", args=[w.plan.pk]), {"active": "0"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 404, (persona, url)
    assert Disclosure.objects.count() == 2 and FinanceLine.objects.count() == 4
    assert DisclosurePlan.objects.get().active
    assert Disclosure.objects.get(pk=w.draft.pk).status == DisclosureStatus.DRAFT


def test_anonymous_goes_to_login(w: World, client: Client) -> None:
    for name, url in PAGES.items():
        response = client.get(url(w))
        assert response.status_code == 302 and "/login/" in response["Location"], name


def test_outsider_lists_only_own_village(w: World, client_as: ClientAs, town: Town) -> None:
    disclosure_draft(
        actor=town.outsider, node=town.other_village, area=Area.PARTY, title="白衣村党费收缴", body="x"
    )
    body = text(client_as("outsider").get(reverse("web:disclosure_list")))
    assert "白衣村党费收缴" in body and "创举社区2026-11财务收支" not in body


# ---------------------------------------------------------------- calendar


def test_calendar_statuses_alerts_and_links(town: Town, client_as: ClientAs) -> None:
    with time_machine.travel(dt.datetime(2026, 11, 3, 10, tzinfo=SH), tick=False):
        plan = finance_plan(town)
        plan_create(
            actor=town.secretary,
            node=town.village,
            area=Area.PARTY,
            title="党费收缴",
            frequency=Frequency.QUARTERLY,
            due_days=10,
        )
    url = f"{reverse('web:disclosure_calendar')}?node={VILLAGE}&year=2026"
    with time_machine.travel(dt.datetime(2026, 11, 12, 10, tzinfo=SH), tick=False):
        body = text(client_as("secretary").get(url))
        # October ended, due on 10 November, nothing published: overdue, alerted at the top.
        assert 'data-testid="overdue-alerts"' in body
        assert f'data-plan="{plan.pk}" data-period="2026-10" data-status="overdue"' in body
        assert f'data-plan="{plan.pk}" data-period="2026-11" data-status="upcoming"' in body
        assert f"plan={plan.pk}&amp;period=2026-10" in body  # "draft it"
        # January was due before the plan existed: not its duty.
        assert 'data-period="2026-01"' not in body
        draft = finance_draft(town, plan, "2026-10")
        add_lines(town, draft)
        disclosure_publish(actor=town.secretary, disclosure=draft)
        body = text(client_as("secretary").get(url))
        assert 'data-testid="overdue-alerts"' not in body
        assert f'data-plan="{plan.pk}" data-period="2026-10" data-status="late"' in body
        assert reverse("web:disclosure_detail", args=[draft.pk]) in body


def test_calendar_bad_year_falls_back_and_outsider_gets_404(w: World, client_as: ClientAs) -> None:
    response = client_as("secretary").get(f"{reverse('web:disclosure_calendar')}?node={VILLAGE}&year=abc")
    assert response.status_code == 200
    assert (
        client_as("outsider").get(f"{reverse('web:disclosure_calendar')}?node={VILLAGE}").status_code == 404
    )
    assert client_as("secretary").get(f"{reverse('web:disclosure_calendar')}?node=999").status_code == 404


def test_calendar_query_count_does_not_grow(town: Town, client_as: ClientAs) -> None:
    client = client_as("secretary")
    url = f"{reverse('web:disclosure_calendar')}?node={VILLAGE}"
    plan = finance_plan(town)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    client.post(reverse("web:disclosure_plans_adopt"), {"node": VILLAGE})
    october = finance_draft(town, plan, "2026-10")
    add_lines(town, october)
    disclosure_publish(actor=town.secretary, disclosure=october)
    finance_draft(town, plan, "2026-11")
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few) <= 16, "\n".join(q["sql"][:150] for q in many.captured_queries)


def test_list_query_count_does_not_grow(w: World, town: Town, client_as: ClientAs) -> None:
    client = client_as("secretary")
    url = reverse("web:disclosure_list")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for n in range(6):
        disclosure_draft(
            actor=town.secretary, node=town.village, area=Area.AFFAIRS, title=f"村务{n}", body="x"
        )
    with CaptureQueriesContext(connection) as many:
        body = text(client.get(url))
    assert body.count('data-testid="disclosure-row"') == 8
    assert len(many) == len(few) <= 14, [q["sql"] for q in many.captured_queries]


def test_list_filters(w: World, client_as: ClientAs) -> None:
    client = client_as("secretary")
    base = reverse("web:disclosure_list")
    assert text(client.get(f"{base}?status=published")).count('data-testid="disclosure-row"') == 1
    assert text(client.get(f"{base}?status=draft&area=finance")).count('data-testid="disclosure-row"') == 1
    assert text(client.get(f"{base}?area=party")).count('data-testid="disclosure-row"') == 0
    # An unknown filter value is ignored, not an error.
    assert text(client.get(f"{base}?status=bogus")).count('data-testid="disclosure-row"') == 2


# ---------------------------------------------------------------- plans


def test_adopt_default_catalog_then_again(town: Town, client_as: ClientAs) -> None:
    client = client_as("secretary")
    response = client.post(reverse("web:disclosure_plans_adopt"), {"node": VILLAGE}, follow=True)
    count = DisclosurePlan.objects.filter(node=town.village).count()
    assert count > 5 and "已采用默认公开目录" in text(response)
    response = client.post(reverse("web:disclosure_plans_adopt"), {"node": VILLAGE}, follow=True)
    assert DisclosurePlan.objects.filter(node=town.village).count() == count
    assert "没有新增" in text(response)


def test_plan_create_edit_deactivate(w: World, client_as: ClientAs) -> None:
    client = client_as("secretary")
    response = client.post(
        f"{reverse('web:disclosure_plan_new')}?node={VILLAGE}",
        {"node": VILLAGE, "area": "affairs", "title": "低保发放", "frequency": "quarterly", "due_days": "10"},
    )
    assert response.status_code == 302
    plan = DisclosurePlan.objects.get(title="低保发放")
    response = client.post(
        reverse("web:disclosure_plan_edit", args=[plan.pk]),
        {"title": "低保和特困供养", "frequency": "monthly", "due_days": "15", "description": "每月"},
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.title, plan.frequency, plan.due_days) == ("低保和特困供养", "monthly", 15)
    client.post(reverse("web:disclosure_plan_active", args=[plan.pk]), {"active": "0"})
    plan.refresh_from_db()
    assert not plan.active
    client.post(reverse("web:disclosure_plan_active", args=[plan.pk]), {"active": "1"})
    plan.refresh_from_db()
    assert plan.active


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"due_days": "999"}, "期限须为 0 到 90 天"),
        ({"title": "财务收支明细", "area": "finance"}, "已有“财务收支明细”"),
        ({"title": "  "}, "该字段是必填项"),
        ({"frequency": "yearly"}, "选择一个有效的选项"),
    ],
)
def test_plan_form_bad_input_writes_nothing(
    w: World, client_as: ClientAs, data: dict[str, str], message: str
) -> None:
    post = {"node": VILLAGE, "area": "affairs", "title": "新事项", "frequency": "monthly", "due_days": "10"}
    post.update(data)
    response = client_as("secretary").post(f"{reverse('web:disclosure_plan_new')}?node={VILLAGE}", post)
    assert response.status_code == 422
    assert message in text(response)
    assert DisclosurePlan.objects.count() == 1


def test_plan_frequency_fixed_once_used(w: World, client_as: ClientAs) -> None:
    response = client_as("secretary").post(
        reverse("web:disclosure_plan_edit", args=[w.plan.pk]),
        {"title": w.plan.title, "frequency": "quarterly", "due_days": "10"},
    )
    assert response.status_code == 422 and "不能再改频次" in text(response)
    w.plan.refresh_from_db()
    assert w.plan.frequency == "monthly"


# ---------------------------------------------------------------- drafting


def test_draft_from_calendar_cell(w: World, client_as: ClientAs) -> None:
    client = client_as("secretary")
    url = f"{reverse('web:disclosure_new')}?node={VILLAGE}&plan={w.plan.pk}&period=2026-12"
    page = text(client.get(url))
    assert 'value="2026-12"' in page
    response = client.post(url, {"node": VILLAGE, "plan": w.plan.pk, "period": "2026-12", "body": "十二月"})
    created = Disclosure.objects.get(period="2026-12")
    assert response.status_code == 302 and response["Location"] == reverse(
        "web:disclosure_detail", args=[created.pk]
    )
    assert created.title == w.plan.title and created.due_date == dt.date(2027, 1, 10)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"period": "2026-13"}, "所属期应为月份，如 2026-10"),
        ({"period": "2026Q4"}, "所属期应为月份，如 2026-10"),
        ({"period": ""}, "请填写所属期"),
        ({"period": "2026-11"}, "已有公开内容"),
        ({"area": "party"}, "公开类别与公开事项不一致"),
        ({"plan": "99999"}, "选择一个有效的选项"),
    ],
)
def test_draft_bad_input_writes_nothing(
    w: World, client_as: ClientAs, data: dict[str, str], message: str
) -> None:
    post = {"node": VILLAGE, "plan": str(w.plan.pk), "period": "2026-12", "area": "finance"}
    post.update(data)
    response = client_as("secretary").post(f"{reverse('web:disclosure_new')}?node={VILLAGE}", post)
    assert response.status_code == 422
    assert message in text(response)
    assert Disclosure.objects.count() == 2


def test_free_standing_draft_needs_area(w: World, client_as: ClientAs) -> None:
    client = client_as("secretary")
    url = f"{reverse('web:disclosure_new')}?node={VILLAGE}"
    response = client.post(url, {"node": VILLAGE, "title": "道路硬化", "body": "x"})
    assert response.status_code == 422 and "请选择公开类别" in text(response)
    response = client.post(url, {"node": VILLAGE, "area": "affairs", "title": "道路硬化", "body": "x"})
    assert response.status_code == 302
    assert Disclosure.objects.get(title="道路硬化").plan is None


def test_draft_edit_title_and_body(w: World, client_as: ClientAs) -> None:
    client = client_as("secretary")
    url = reverse("web:disclosure_detail", args=[w.draft.pk])
    response = client.post(url, {"title": "  ", "body": "新正文"})
    assert response.status_code == 422 and "该字段是必填项" in text(response)
    response = client.post(url, {"title": "十一月收支", "body": "新正文"})
    assert response.status_code == 302
    w.draft.refresh_from_db()
    assert (w.draft.title, w.draft.body) == ("十一月收支", "新正文")
    # A published disclosure has no edit form and refuses the post.
    assert (
        client.post(reverse("web:disclosure_detail", args=[w.published.pk]), {"title": "x"}).status_code
        == 404
    )
    w.published.refresh_from_db()
    assert w.published.title == "创举社区2026-10财务收支"


# ---------------------------------------------------------------- finance lines


def line_post(**over: str) -> dict[str, str]:
    data = {
        "add-direction": "expense",
        "add-date": "2026-11-20",
        "add-item": "办公用品",
        "add-counterparty": "平昌文具店",
        "add-voucher_no": "记-009",
        "add-amount": "1,234.50",
        "add-note": "",
    }
    data.update({f"add-{k}": v for k, v in over.items()})
    return data


def test_line_add_htmx_yuan_to_fen_and_totals(w: World, client_as: ClientAs) -> None:
    response = client_as("secretary").post(
        reverse("web:disclosure_line_add", args=[w.draft.pk]), line_post(), headers=HX
    )
    body = text(response)
    assert response.status_code == 200 and "<html" not in body and 'id="lines"' in body
    assert lines_of(w.draft)[-1] == ("expense", "办公用品", 123450)
    # 2000.00 in, 350.50 + 1234.50 out.
    assert 'data-testid="total-income">2,000.00<' in body
    assert 'data-testid="total-expense">1,585.00<' in body
    assert 'data-testid="total-net">415.00<' in body
    assert ">1,234.50<" in body


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"amount": "12.345"}, "金额最多保留两位小数（到分）"),
        ({"amount": "abc"}, "金额格式不正确"),
        ({"amount": "-5"}, "金额不能为负数"),
        ({"amount": "0"}, "金额须大于 0"),
        ({"amount": ""}, "该字段是必填项"),
        ({"date": "2026-10-31"}, "不在所属期 2026-11"),
        ({"date": "2026-11-31"}, "输入一个有效的日期"),
        ({"direction": "transfer"}, "选择一个有效的选项"),
        ({"item": ""}, "该字段是必填项"),
        ({"item": "长" * 201}, "200"),
    ],
)
@pytest.mark.parametrize("htmx", [True, False])
def test_line_add_bad_input_writes_nothing(
    w: World, client_as: ClientAs, over: dict[str, str], message: str, htmx: bool
) -> None:
    before = lines_of(w.draft)
    extra = HX if htmx else {}
    response = client_as("secretary").post(
        reverse("web:disclosure_line_add", args=[w.draft.pk]), line_post(**over), headers=extra
    )
    assert response.status_code == 422
    assert message in text(response)
    assert ("<html" in text(response)) is not htmx
    assert lines_of(w.draft) == before


def test_line_edit_in_place(w: World, client_as: ClientAs) -> None:
    client = client_as("secretary")
    url = reverse("web:disclosure_line_edit", args=[w.draft.pk, w.line.pk])
    editor = text(client.get(url, headers=HX))
    assert 'data-testid="line-editor"' in editor and 'value="2000.00"' in editor
    assert 'form="line-edit-form"' in editor
    data = {
        "edit-direction": "income",
        "edit-date": "2026-11-03",
        "edit-item": "场地租金（更正）",
        "edit-amount": "2,100",
        "edit-counterparty": "",
        "edit-voucher_no": "",
        "edit-note": "",
    }
    bad = client.post(url, {**data, "edit-amount": "21.001"}, headers=HX)
    assert bad.status_code == 422 and "金额最多保留两位小数" in text(bad)
    assert 'data-testid="line-editor"' in text(bad)
    w.line.refresh_from_db()
    assert (w.line.item, w.line.amount_fen) == ("场地租金", 200000)
    ok = client.post(url, data, headers=HX)
    assert ok.status_code == 200 and 'data-testid="line-editor"' not in text(ok)
    w.line.refresh_from_db()
    assert (w.line.item, w.line.amount_fen) == ("场地租金（更正）", 210000)


def test_line_remove(w: World, client_as: ClientAs) -> None:
    client = client_as("secretary")
    response = client.post(reverse("web:disclosure_line_remove", args=[w.draft.pk, w.line.pk]), headers=HX)
    assert response.status_code == 200 and 'data-testid="total-income">0.00<' in text(response)
    assert not FinanceLine.objects.filter(pk=w.line.pk).exists()
    # A line of another disclosure through this one: not found.
    other = FinanceLine.objects.filter(disclosure=w.published).first()
    assert other is not None
    assert client.post(reverse("web:disclosure_line_remove", args=[w.draft.pk, other.pk])).status_code == 404


def test_published_lines_refuse_changes(w: World, client_as: ClientAs) -> None:
    client = client_as("secretary")
    before = lines_of(w.published)
    response = client.post(
        reverse("web:disclosure_line_add", args=[w.published.pk]), line_post(date="2026-10-05"), headers=HX
    )
    assert response.status_code == 422 and "已发布，不能再修改" in text(response)
    line = FinanceLine.objects.filter(disclosure=w.published).first()
    assert line is not None
    response = client.post(reverse("web:disclosure_line_remove", args=[w.published.pk, line.pk]), headers=HX)
    assert response.status_code == 422 and "已发布，不能再修改" in text(response)
    assert lines_of(w.published) == before
    page = text(client.get(reverse("web:disclosure_detail", args=[w.published.pk])))
    assert 'data-testid="line-add-form"' not in page and 'data-testid="line-remove"' not in page


def test_non_finance_has_no_lines(w: World, town: Town, client_as: ClientAs) -> None:
    party = disclosure_draft(actor=town.secretary, node=town.village, area=Area.PARTY, title="党费", body="x")
    client = client_as("secretary")
    assert 'id="lines"' not in text(client.get(reverse("web:disclosure_detail", args=[party.pk])))
    assert client.post(reverse("web:disclosure_line_add", args=[party.pk]), line_post()).status_code == 404


# ---------------------------------------------------------------- import / export

HEADER = "日期,收支,摘要,对方单位,凭证号,金额(元),备注\n"
CSV_OK = (
    HEADER
    + '2026-11-05,收入,上级拨款,江口镇财政所,记-101,"5,000.00",\n'
    + "2026/11/6,支出,水电费,国网平昌供电,记-102,312.4,\n"
)
CSV_BAD = HEADER + "2026-11-05,收入,上级拨款,,,5000.001,\n2026-12-01,转账,水电费,,,-3,\n"


def upload(content: str | bytes, name: str = "lines.csv") -> SimpleUploadedFile:
    data = content.encode() if isinstance(content, str) else content
    return SimpleUploadedFile(name, data, content_type="text/csv")


def test_import_csv_adds_lines(w: World, client_as: ClientAs) -> None:
    url = reverse("web:disclosure_lines_import", args=[w.draft.pk])
    response = client_as("secretary").post(url, {"file": upload(CSV_OK)})
    assert response.status_code == 302
    assert lines_of(w.draft)[-2:] == [("income", "上级拨款", 500000), ("expense", "水电费", 31240)]


def test_import_replace(w: World, client_as: ClientAs) -> None:
    url = reverse("web:disclosure_lines_import", args=[w.draft.pk])
    client_as("secretary").post(url, {"file": upload(CSV_OK), "replace": "on"})
    assert [x[1] for x in lines_of(w.draft)] == ["上级拨款", "水电费"]


@pytest.mark.parametrize(
    ("file", "messages"),
    [
        (upload(CSV_BAD), ["金额最多保留两位小数", "不在所属期", "收支只能填写", "金额不能为负数"]),
        (upload("名称,金额\nx,1\n"), ["日期"]),
        (upload("日期,收支,摘要,金额(元)\n"), ["没有收支明细"]),
        (upload("just text", "lines.txt"), ["不支持的文件类型 txt"]),
        (upload(b"PK\x03\x04 not really a workbook", "lines.xlsx"), []),
    ],
)
def test_import_bad_file_writes_nothing(
    w: World, client_as: ClientAs, file: Any, messages: list[str]
) -> None:
    before = lines_of(w.draft)
    response = client_as("secretary").post(
        reverse("web:disclosure_lines_import", args=[w.draft.pk]), {"file": file}
    )
    body = text(response)
    assert response.status_code == 400
    assert (
        'data-testid="form-error"' in body or 'data-testid="field-error"' in body or "import-errors" in body
    )
    for message in messages:
        assert message in body
    if file.name == "lines.csv" and "金额最多" in "".join(messages):
        assert body.count('data-testid="import-error"') == 4
        assert 'data-testid="import-nothing-written"' in body
    assert lines_of(w.draft) == before


def test_import_without_file(w: World, client_as: ClientAs) -> None:
    response = client_as("secretary").post(reverse("web:disclosure_lines_import", args=[w.draft.pk]), {})
    assert response.status_code == 400 and "该字段是必填项" in text(response)


def test_export_reads_back(w: World, client_as: ClientAs) -> None:
    response = client_as("secretary").get(
        reverse("web:disclosure_lines_export", args=[w.published.pk, "csv"])
    )
    body = response.content.decode("utf-8-sig")
    assert response["Content-Type"].startswith("text/csv")
    assert body.splitlines()[0] == "日期,收支,摘要,对方单位,凭证号,金额(元),备注"
    assert "停车场收费" in body and "1234.50" in body
    xlsx = client_as("secretary").get(reverse("web:disclosure_lines_export", args=[w.draft.pk, "xlsx"]))
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert (
        client_as("secretary")
        .get(reverse("web:disclosure_lines_export", args=[w.draft.pk, "pdf"]))
        .status_code
        == 404
    )


# ---------------------------------------------------------------- publish, correct, discard


def test_publish_confirms_then_publishes(w: World, client_as: ClientAs) -> None:
    client = client_as("secretary")
    url = reverse("web:disclosure_publish", args=[w.draft.pk])
    confirm = text(client.get(url))
    assert "向所有人公开" in confirm and "不能再修改或删除" in confirm
    assert Disclosure.objects.get(pk=w.draft.pk).status == DisclosureStatus.DRAFT  # a GET publishes nothing
    response = client.post(url, follow=True)
    w.draft.refresh_from_db()
    assert w.draft.status == DisclosureStatus.PUBLISHED and w.draft.publication is not None
    body = text(response)
    assert f"公开链第 {w.draft.publication.seq} 条" in body
    assert w.draft.publication.hash in body
    assert f"/public/disclosure/{VILLAGE}/{w.draft.publication.seq}/" in body
    assert f"/public/disclosure/{VILLAGE}/{w.draft.publication.seq}.pdf" in body
    assert 'data-testid="draft-edit-form"' not in body
    # Publishing again: told it is published, the chain does not grow.
    count = Publication.objects.count()
    client.post(url)
    assert Publication.objects.count() == count


def test_publish_empty_refused(w: World, town: Town, client_as: ClientAs) -> None:
    empty = disclosure_draft(actor=town.secretary, node=town.village, area=Area.AFFAIRS, title="空的")
    response = client_as("secretary").post(reverse("web:disclosure_publish", args=[empty.pk]))
    assert response.status_code == 422 and "公开内容是空的" in text(response)
    empty.refresh_from_db()
    assert empty.status == DisclosureStatus.DRAFT and Publication.objects.count() == 1


def test_correct_needs_reason_then_makes_a_draft(w: World, client_as: ClientAs) -> None:
    client = client_as("secretary")
    url = reverse("web:disclosure_correct", args=[w.published.pk])
    response = client.post(url, {"reason": "  "})
    assert response.status_code == 422 and "请填写更正原因" in text(response)
    assert Disclosure.objects.count() == 2
    response = client.post(url, {"reason": "第 2 笔金额录入有误"})
    correction = Disclosure.objects.get(corrects=w.published)
    assert response.status_code == 302 and response["Location"] == reverse(
        "web:disclosure_detail", args=[correction.pk]
    )
    assert lines_of(correction) == lines_of(w.published)
    page = text(client.get(response["Location"]))
    assert "第 2 笔金额录入有误" in page and 'data-testid="corrects-note"' in page
    # Only one correction at a time; the original page says it was corrected and offers no second one.
    original = text(client.get(reverse("web:disclosure_detail", args=[w.published.pk])))
    assert 'data-testid="corrected-by"' in original and 'data-testid="correct-form"' not in original
    response = client.post(url, {"reason": "再改"})
    assert response.status_code == 422 and "已有更正" in text(response)
    assert Disclosure.objects.filter(corrects=w.published).count() == 1


def test_correct_a_draft_refused(w: World, client_as: ClientAs) -> None:
    response = client_as("secretary").post(
        reverse("web:disclosure_correct", args=[w.draft.pk]), {"reason": "x"}
    )
    assert response.status_code == 422 and "只能更正已发布的公开内容" in text(response)
    assert Disclosure.objects.count() == 2


def test_discard_draft_not_published(w: World, client_as: ClientAs) -> None:
    client = client_as("secretary")
    response = client.post(reverse("web:disclosure_discard", args=[w.published.pk]), follow=True)
    assert "已发布，不能再修改" in text(response)
    assert Disclosure.objects.filter(pk=w.published.pk).exists()
    response = client.post(reverse("web:disclosure_discard", args=[w.draft.pk]))
    assert response.status_code == 302
    assert not Disclosure.objects.filter(pk=w.draft.pk).exists()
    assert FinanceLine.objects.filter(disclosure_id=w.draft.pk).count() == 0


def test_english_messages(w: World, client_as: ClientAs) -> None:
    """Error text follows the reader's language where the catalog has it (the form's own errors do)."""
    client = client_as("secretary")
    response = client.post(
        reverse("web:disclosure_line_add", args=[w.draft.pk]),
        line_post(amount=""),
        headers={**HX, "Accept-Language": "en"},
    )
    assert response.status_code == 422 and "This field is required." in text(response)


def test_edit_pages_show_current_values(w: World, client_as: ClientAs) -> None:
    client = client_as("secretary")
    page = text(client.get(reverse("web:disclosure_plan_edit", args=[w.plan.pk])))
    assert 'value="财务收支明细"' in page and 'value="10"' in page
    page = text(client.get(reverse("web:disclosure_line_edit", args=[w.draft.pk, w.line.pk])))
    assert "<html" in page and 'value="场地租金"' in page and 'value="2000.00"' in page
    page = text(client.get(reverse("web:disclosure_detail", args=[w.draft.pk])))
    assert 'value="创举社区2026-11财务收支"' in page


@pytest.mark.parametrize("persona", sorted(REACH))
def test_nav_entry_for_disclosure_staff(town: Town, rf: Any, persona: str) -> None:
    """The partial base.html includes: only for staff who work on disclosures somewhere."""
    from django.contrib.auth.context_processors import PermWrapper
    from django.template.loader import render_to_string

    user = town.users[persona]
    request = rf.get("/")
    request.user = user
    html = render_to_string(
        "web/disclosure/console/partials/nav_items.html", {"perms": PermWrapper(user)}, request=request
    )
    assert ('data-testid="nav-disclosure"' in html) is (
        persona in {"secretary", "street", "sysadmin", "outsider"}
    )
