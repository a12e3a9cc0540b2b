"""A year of 三务公开 in the demo town, made by the real services with ``now=`` in the past.

创举社区 and 鹿鸣村 adopt the default 公开目录 thirteen months ago. Every month the accountant
publishes the month's income and expense lines (imported as the sheet an accountant keeps: 日期,
收支, 摘要, 对方单位, 凭证号, 金额(元)) a few days after it ends; every quarter the party, affairs and
finance items of the calendar. One month of 创举社区 had a cleaning fee typed wrong and was
corrected a week later; its latest month due is still not published, so demo-secretary sees the
overdue alert. The publications join the deliberation notices on one timeline
(``sanzhi.demo.deliberation.run_timeline``), so the chain reads in time order.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from sanzhi.disclosure.calendar import Period, overdue_for, period_containing
from sanzhi.disclosure.models import Disclosure, DisclosurePlan, DisclosureStatus, FinanceLine, Frequency
from sanzhi.disclosure.services import (
    disclosure_correct,
    disclosure_draft,
    disclosure_publish,
    finance_line_update,
    finance_lines_import,
    plans_adopt_default,
)
from sanzhi.grids.models import Node

FINANCE_MONTHLY = "财务收支明细"
CSV_HEADER = "日期,收支,摘要,对方单位,凭证号,金额(元),备注"
MISTYPED_FEN, RIGHT_FEN = 320_000, 230_000  # the 保洁费 of the corrected month: 3,200.00 typed for 2,300.00


def _previous(period: Period, frequency: str) -> Period:
    found = period_containing(frequency, period.start - dt.timedelta(days=1))
    assert found is not None
    return found


def _following(period: Period, frequency: str) -> Period:
    found = period_containing(frequency, period.end + dt.timedelta(days=1))
    assert found is not None
    return found


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


class _Books:
    """One community's books: the month's lines, the quarter's texts."""

    def __init__(self, node: Node, rng: random.Random):
        self.node, self.rng = node, rng
        self.rural = node.code[9] in "23"  # the village codes of the demo town (town.COMMUNITIES)

    def lines(self, month: Period, *, mistype: bool = False) -> list[tuple[str, str, str, str, int, str]]:
        """(date, 收入/支出, 摘要, 对方单位, amount in fen, note) of one month, in date order."""
        rng, m = self.rng, month.start.month
        last = month.end.day

        def day(lo: int, hi: int) -> str:
            return month.start.replace(day=min(rng.randint(lo, hi), last)).isoformat()

        rows: list[tuple[str, str, str, str, int, str]] = []
        if self.rural:
            rows.append((day(3, 6), "收入", "村集体门面房租金", "鹿鸣村农资店 何德才", 180_000, ""))
            if m in (1, 4, 7, 10):
                rows.append(
                    (day(8, 15), "收入", "上级补助：村级组织运转经费", "白衣镇财政所", 1_500_000, "季度拨付")
                )
            if m == 3:
                rows.append((day(10, 20), "收入", "鱼塘承包费", "承包户 王建平", 1_200_000, "2026年度"))
            rows.append((day(25, 28), "支出", f"支付{m}月村内保洁费", "村保洁员 何秀兰", 150_000, ""))
            rows.append(
                (
                    day(15, 20),
                    "支出",
                    f"支付{m}月路灯电费",
                    "国网平昌县供电公司",
                    rng.randint(30, 75) * 1000,
                    "",
                )
            )
            rows.append(
                (
                    day(5, 25),
                    "支出",
                    "购买办公用品",
                    "白衣镇文具店",
                    rng.randint(15, 50) * 1000,
                    "打印纸、墨盒",
                )
            )
            if m in (1, 9):
                rows.append(
                    (day(5, 12), "支出", "慰问困难群众和老党员", "困难户12户", 360_000, "春节、中秋慰问")
                )
            if rng.random() < 0.4:
                rows.append(
                    (day(1, 28), "支出", "村道坑洼修补", "零工 何德明", rng.randint(8, 30) * 10_000, "")
                )
        else:
            rows.append((day(3, 6), "收入", "上级补助：社区办公经费", "江口街道办事处", 800_000, ""))
            rows.append((day(5, 8), "收入", "社区集体门面房租金（3间）", "张记便利店", 450_000, ""))
            if m in (1, 4, 7, 10):
                rows.append(
                    (day(10, 18), "收入", "上级补助：社区公益金", "平昌县民政局", 1_000_000, "季度拨付")
                )
            cleaning = MISTYPED_FEN if mistype else RIGHT_FEN
            rows.append((day(25, 28), "支出", f"支付{m}月小区保洁费", "平昌县洁美保洁服务部", cleaning, ""))
            winter = m in (11, 12, 1, 2)
            rows.append(
                (
                    day(15, 20),
                    "支出",
                    f"支付{m}月路灯电费",
                    "国网平昌县供电公司",
                    rng.randint(80, 110) * 1000 if winter else rng.randint(55, 80) * 1000,
                    "",
                )
            )
            rows.append((day(5, 25), "支出", "购买办公用品", "江口文具店", rng.randint(20, 80) * 1000, ""))
            rows.append((day(26, 28), "支出", "网格员通讯补贴", "专职网格员10名", 120_000, ""))
            if rng.random() < 0.5:
                rows.append(
                    (day(1, 28), "支出", "宣传资料印刷", "江口图文广告部", rng.randint(30, 90) * 1000, "")
                )
            if m in (1, 9):
                rows.append((day(5, 12), "支出", "慰问困难群众", "困难家庭10户", 300_000, "春节、中秋慰问"))
        rows.sort(key=lambda r: r[0])
        return rows

    def csv(self, month: Period, *, mistype: bool = False) -> ContentFile[bytes]:
        out = [CSV_HEADER]
        for n, (date, direction, item, counterparty, fen, note) in enumerate(
            self.lines(month, mistype=mistype), 1
        ):
            out.append(
                f"{date},{direction},{item},{counterparty},记{month.start.month:02d}-{n:03d},{_yuan(fen)},{note}"
            )
        return ContentFile("\n".join(out).encode("utf-8"), name=f"{month.code}.csv")

    def text(self, plan: DisclosurePlan, quarter: Period) -> str:
        """What a quarterly item says, in the words of a community's board."""
        rng, who = self.rng, self.node.name
        q = f"{quarter.start.year}年第{(quarter.start.month - 1) // 3 + 1}季度"
        members = rng.randint(38, 46) if self.rural else rng.randint(60, 72)
        party_text = (
            f"{q}，{who}党组织召开支部委员会{rng.randint(3, 5)}次、党员大会{rng.randint(1, 2)}次，"
            f"上党课{rng.randint(1, 2)}次，开展主题党日{rng.randint(3, 4)}次；"
            f"党员参与志愿服务{rng.randint(90, 160)}人次。下季度将开展党员集中学习和“双报到”服务。"
        )
        relief = (
            f"{q}，{who}城乡低保对象{rng.randint(18, 30)}户{rng.randint(30, 52)}人，"
            f"发放低保金{rng.randint(60_000, 95_000):,}.00元；特困供养{rng.randint(2, 5)}人；"
            f"临时救助{rng.randint(1, 4)}户{rng.randint(2, 8) * 1000:,}.00元。名单见公开栏附表。"
        )
        subsidies = (
            f"{q}发放耕地地力保护补贴{rng.randint(280, 420)}户，高龄津贴{rng.randint(40, 70)}人，"
            "均通过“一卡通”发放到户。"
            if self.rural
            else f"{q}发放高龄津贴{rng.randint(90, 140)}人、残疾人两项补贴{rng.randint(20, 35)}人，"
            "均通过社保卡发放。"
        )
        funds = (
            f"{q}到账上级补助{rng.randint(3, 6)}.{rng.randint(0, 9)}万元，"
            f"已使用{rng.randint(2, 3)}.{rng.randint(0, 9)}万元，"
            "用于办公运转、环境卫生和困难群众慰问，明细见月度财务公开。"
        )
        texts = {
            "党组织工作计划及落实情况": party_text,
            "党费收缴、使用和管理情况": f"{q}应交党费党员{members}名，实交{members}名，收缴党费"
            f"{rng.randint(1800, 3600)}.00元，已全额上缴上级党委；本季度无党费下拨使用。",
            "村(居)务工作计划及完成情况": f"{q}，{who}完成为民办实事{rng.randint(4, 8)}件，办结群众诉求"
            f"{rng.randint(40, 90)}件，满意率{rng.randint(94, 99)}%；召开议事会{rng.randint(2, 4)}次。",
            "低保、特困供养和临时救助": relief,
            "惠农惠民补贴和救灾救济款物发放": subsidies,
            "集体资产、资源和债权债务": (
                "集体资产：门面房1间、办公用房1处、鱼塘1口（已承包）、集体土地120亩（已流转）；"
                f"本季度末银行存款{rng.randint(20, 40)}.{rng.randint(1, 9)}万元，无新增债务。"
                if self.rural
                else "集体资产：门面房3间（已出租）、社区用房2处；"
                f"本季度末银行存款{rng.randint(8, 16)}.{rng.randint(1, 9)}万元，无债权债务。"
            ),
            "财政补助和专项资金使用": funds,
            "村(社区)干部报酬和补贴": f"{q}“两委”干部{rng.randint(5, 7)}人，发放基本报酬和绩效补贴合计"
            f"{rng.randint(6, 9)}.{rng.randint(0, 9)}万元；误工补助{rng.randint(1200, 2600)}.00元。",
        }
        return texts.get(plan.title, f"{q}{plan.title}：按计划完成，详见公开栏。")


def _at(day: dt.date, hour: int, rng: random.Random) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, rng.randrange(60))))


def _community_story(
    node: Node, secretary: Any, rng: random.Random, now: dt.datetime, stamps: Any, *, overdue: bool
) -> Iterator[dt.datetime]:
    """One community's year: adopt the catalogue, then publish month after month, quarter after quarter."""
    today = timezone.localtime(now).date()
    books = _Books(node, rng)
    plans = {p.title: p for p in DisclosurePlan.objects.filter(node=node)}
    monthly = plans[FINANCE_MONTHLY]
    # The latest month already overdue if unpublished; the twelve before it are the published year.
    cutoff = period_containing(Frequency.MONTHLY, today)
    assert cutoff is not None
    while not cutoff.due(monthly.due_days) < today:
        cutoff = _previous(cutoff, Frequency.MONTHLY)
    first = cutoff
    for _i in range(12):
        first = _previous(first, Frequency.MONTHLY)
    adopted = _at(first.end + dt.timedelta(days=1), 10, rng)
    for plan in plans.values():
        stamps.note(plan, adopted)

    # (when, plan, period, is the correction) of each publication, in time order.
    jobs: list[tuple[dt.datetime, DisclosurePlan, Period, bool]] = []
    for plan in plans.values():
        if plan.frequency == Frequency.PER_MATTER:
            continue
        period = period_containing(plan.frequency, first.start)
        assert period is not None
        while period.end < today:
            owed = period.due(plan.due_days) >= adopted.date()
            skipped = overdue and plan is monthly and period == cutoff
            when = _at(period.end + dt.timedelta(days=rng.randint(3, 8)), rng.choice((9, 10, 15, 16)), rng)
            if owed and not skipped and when < now:
                jobs.append((when, plan, period, False))
            period = _following(period, plan.frequency)
    jobs.sort(key=lambda job: job[0])
    finance = [job for job in jobs if job[1] is monthly]
    wrong = finance[len(finance) // 2 - 2] if overdue and len(finance) > 4 else None
    if wrong is not None:
        # A resident spots the cleaning fee; the correction follows six days later.
        jobs.append((wrong[0] + dt.timedelta(days=6), monthly, wrong[2], True))
        jobs.sort(key=lambda job: job[0])
    published: dict[tuple[int, str], Disclosure] = {}
    for when, plan, period, correcting in jobs:
        yield when
        if correcting:
            _correct(published[(plan.pk, period.code)], secretary, when, stamps)
            continue
        if plan is monthly:
            title = f"{node.name}{period.start.year}年{period.start.month}月财务收支明细"
            body = "本月集体资金收支明细如下，凭证可到财务室查阅。"
        else:
            quarter = (period.start.month - 1) // 3 + 1
            title = f"{node.name}{plan.title}（{period.start.year}年第{quarter}季度）"
            body = books.text(plan, period)
        draft = disclosure_draft(
            actor=secretary, node=node, area=plan.area, title=title, plan=plan, period=period.code, body=body
        )
        stamps.note(draft, when - dt.timedelta(days=1))
        if plan is monthly:
            mistype = wrong is not None and period == wrong[2]
            sheet = books.csv(period, mistype=mistype)
            report = finance_lines_import(actor=secretary, disclosure=draft, file=sheet)
            assert report.ok, report.as_dict()
        published[(plan.pk, period.code)] = disclosure_publish(actor=secretary, disclosure=draft, now=when)


def _correct(published: Disclosure, secretary: Any, when: dt.datetime, stamps: Any) -> None:
    """更正: a new draft of the published month, the fee put right, published with its reason."""
    correction = disclosure_correct(
        actor=secretary,
        disclosure=published,
        reason=f"保洁费录入有误：{_yuan(MISTYPED_FEN)}元应为{_yuan(RIGHT_FEN)}元，以本更正为准。",
    )
    stamps.note(correction, when - dt.timedelta(hours=2))
    line = FinanceLine.objects.get(disclosure=correction, amount_fen=MISTYPED_FEN)
    finance_line_update(actor=secretary, line=line, amount_fen=RIGHT_FEN)
    disclosure_publish(actor=secretary, disclosure=correction, now=when)


def disclosure_stories(
    *, rng: random.Random, now: dt.datetime, stamps: Any, places: list[tuple[Node, Any]]
) -> list[Iterator[dt.datetime]]:
    """The default catalogue at each place (adopted now, dated back by ``stamps``) and one story per
    place; the first place leaves its latest due month unpublished (the overdue alert)."""
    stories = []
    for index, (node, secretary) in enumerate(places):
        plans_adopt_default(actor=secretary, node=node)
        stories.append(_community_story(node, secretary, rng, now, stamps, overdue=index == 0))
    return stories


def disclosure_summary(summary: Any, *, now: dt.datetime, user: Any) -> None:
    published = Disclosure.objects.filter(status=DisclosureStatus.PUBLISHED)
    summary.disclosures = published.count()
    summary.corrections = published.filter(corrects__isnull=False).count()
    summary.overdue = len(overdue_for(user=user, today=timezone.localtime(now).date()))
