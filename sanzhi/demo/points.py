"""A realistic quarter of points in the demo town, made by the real services with ``now=`` in the past.

Three published schemes, adopted where they belong: 道德银行 (Yiyang) for the households of 创举社区,
健康银行·十星 (Dongzhuang) for the households of 鹿鸣村, and the grid-worker scheme (Houma) for the grid
workers of 江口街道. Over the last three whole months the reps and grid workers record deeds (一事一
记录), the community secretary reviews each month, the council approves its own items, 十星 are
evaluated monthly, the red/black lists of the quarter are published, donors stock the supermarket and
households redeem, pick up, and now and then cancel. The current month's claims wait for review.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from sanzhi.accounts.models import RoleAssignment, User
from sanzhi.accounts.roles import Role
from sanzhi.core.errors import DomainError
from sanzhi.grids.models import Node
from sanzhi.people.models import Resident
from sanzhi.points.boards import board_publish
from sanzhi.points.ledger import points_decide, points_record
from sanzhi.points.models import Account, Entry, Evidence, Rule, Scheme
from sanzhi.points.opening import accounts_open_all
from sanzhi.points.periods import PeriodKind, period_of
from sanzhi.points.schemes import scheme_adopt
from sanzhi.points.stars import stars_evaluate
from sanzhi.points.store import redeem, redemption_cancel, redemption_pickup
from sanzhi.points.store_admin import donor_create, goods_create, window_create

# (template, node code, claims per month): where each published scheme runs in the demo town.
ADOPTIONS = (
    ("daode_bank", "511923001001", 35),  # 创举社区: the demo logins' community
    ("shixing", "511923101201", 20),  # 鹿鸣村
    ("houma_grid", "511923001000", 20),  # 江口街道's grid workers
)
GOODS = (
    # name, unit, price, stock, donor index (None: bought by the community)
    ("洗衣粉", "袋", 20, 120, None),
    ("毛巾", "条", 15, 150, 0),
    ("食用油", "桶", 100, 40, 1),
    ("大米（10斤）", "袋", 80, 50, 1),
    ("酱油", "瓶", 25, 80, None),
    ("保温杯", "个", 60, 30, 0),
    ("电饭煲", "台", 400, 4, 2),
)
DONORS = (("王德明", "乡贤"), ("江口粮油店", "企业"), ("李春华", "乡贤"))
STAR_POINTS = 6  # what a 十星 star asks of a month in its category (templates_data)
NOTES = ("入户核实", "现场查看", "群众反映属实", "网格员走访记录", "活动签到表为证", "村民小组长证明")


@dataclass
class PointsSummary:
    schemes: int = 0
    accounts: int = 0
    claims: int = 0
    approved: int = 0
    rejected: int = 0
    pending: int = 0
    redemptions: Counter[str] = field(default_factory=Counter)
    stars_gained: int = 0
    boards: int = 0
    refused: list[str] = field(default_factory=list)
    seconds: float = 0.0


class _PointsDemo:
    def __init__(self, rng: random.Random, now: dt.datetime, summary: PointsSummary):
        self.rng, self.now, self.summary = rng, now, summary
        self.people: dict[tuple[int, str], User | None] = {}
        self.login_households = set(
            Resident.objects.filter(user__isnull=False).values_list("household_id", flat=True)
        )
        today = timezone.localtime(now).date()
        self.current = period_of(today, PeriodKind.MONTH)
        # The last ended quarter in full (reviewed, evaluated, its lists published), then the months
        # since; the current month's claims still wait for their review.
        self.quarter = period_of(today, PeriodKind.QUARTER).previous()
        self.months = self.quarter.months()
        while self.months[-1].next() != self.current:
            self.months.append(self.months[-1].next())

    # ------------------------------------------------------------ people who act

    def _first_user(self, node: Node, role: str) -> User | None:
        """Who holds ``role`` nearest above ``node``; a demo login (demo-secretary …) before the
        generated staff at the same node, so the people one logs in as are the ones who acted."""
        key = (node.pk, role)
        if key not in self.people:
            self.people[key] = self._find_user(node, role)
        return self.people[key]

    def _find_user(self, node: Node, role: str) -> User | None:
        assignments = RoleAssignment.objects.filter(
            role=role, node_path__in=_ancestors(node.path)
        ).select_related("user")
        from sanzhi.demo.town import DEMO_LOGINS  # town builds the points quarter: import late

        best = sorted(
            assignments, key=lambda a: (-len(a.node_path), a.user.username not in DEMO_LOGINS, a.pk)
        )
        return best[0].user if best else None

    def _recorder(self, account: Account) -> User | None:
        node = account.node
        return (
            self._first_user(node, Role.HOUSEHOLD_REP)
            or self._first_user(node, Role.GRID_WORKER)
            or self._first_user(node, Role.GRID_CHIEF)
        )

    def _at(self, day: dt.date, hour: int) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, self.rng.randrange(60))))

    # ------------------------------------------------------------ the quarter

    def run(self, template: str, code: str, per_month: int) -> None:
        node = Node.objects.get(code=code)
        start = self._at(self.months[0].first, 9)
        # Opened at the start of the recorded months, so the ledger reads in time order.
        scheme = scheme_adopt(actor=None, template=template, node=node, open_accounts=False)
        self.summary.schemes += 1
        accounts_open_all(actor=None, scheme=scheme, now=start)
        accounts = list(Account.objects.filter(scheme=scheme).select_related("node").order_by("id"))
        self.summary.accounts += len(accounts)
        if not accounts:
            return
        reviewer = self._first_user(node, Role.GRID_CHIEF) or self._first_user(node, Role.STREET_ADMIN)
        council = self._first_user(node, Role.COUNCIL_MEMBER) or self._first_user(node, Role.STREET_ADMIN)
        rules = [r for r in Rule.objects.filter(scheme=scheme, active=True) if r.evidence != Evidence.PHOTO]
        # Households that show up often; the demo-resident's own household among them, so its pages
        # have a history to show.
        own = [a for a in accounts if a.household_id is not None and a.household_id in self.login_households]
        favoured = own + accounts[: max(3, len(accounts) // 20)]
        goods = self._stock(scheme, node, start) if scheme.subject != "grid_worker" else []
        models = favoured[:3] if scheme.stars.exists() else []
        for month in self.months:
            in_quarter = self.quarter.contains(month.first)
            self._record_month(
                scheme, month, accounts, favoured, rules, per_month if in_quarter else per_month // 3
            )
            self._model_households(scheme, month, models, rules)
            self._review(scheme, month, reviewer, council)
            if scheme.review_period == PeriodKind.MONTH and scheme.stars.exists():
                self._evaluate(scheme, month.key, reviewer, self._review_time(month) + dt.timedelta(hours=1))
            if goods:
                shoppers = {a.pk: a for a in favoured + self.rng.sample(accounts, min(20, len(accounts)))}
                self._redeem_month(scheme, month, goods, list(shoppers.values()))
            if month == self.quarter.months()[-1]:
                # The quarterly democratic review publishes the quarter's red and black lists.
                self._publish(
                    scheme, node, self.quarter.key, reviewer, self._review_time(month) + dt.timedelta(hours=3)
                )
        self._record_month(scheme, self.current, accounts, favoured, rules, per_month // 4)

    def _record_month(
        self,
        scheme: Scheme,
        month: Any,
        accounts: list[Account],
        favoured: list[Account],
        rules: list[Rule],
        n: int,
    ) -> None:
        today = timezone.localtime(self.now).date()
        last = min(month.last, today)
        days = (last - month.first).days + 1
        # The demo logins' own households do one or two good deeds a month.
        deeds = [
            (month.first + dt.timedelta(days=self.rng.randrange(days)), account, self._pick_rule(good))
            for account in accounts
            if account.household_id in self.login_households
            for _j in range(self.rng.randint(1, 2))
            if (good := [r for r in rules if not r.is_deduction and not r.council])
        ]
        for _i in range(n):
            account = self.rng.choice(favoured) if self.rng.random() < 0.4 else self.rng.choice(accounts)
            rule = self._pick_rule(rules)
            day = month.first + dt.timedelta(days=self.rng.randrange(days))
            deeds.append((day, account, rule))
        for day, account, rule in sorted(deeds, key=lambda d: (d[0], d[1].pk)):
            points = None if rule.fixed else self.rng.randint(rule.points_min, rule.points_max)
            when = min(self._at(day, self.rng.choice((9, 10, 14, 15, 16))), self.now)
            actor = self._recorder(account)
            try:
                points_record(
                    actor=actor,
                    account_id=account.pk,
                    rule_id=rule.pk,
                    points=points,
                    note=self.rng.choice(NOTES),
                    day=day,
                    now=when,
                )
                self.summary.claims += 1
            except DomainError as exc:  # a cap reached: the recorder is told, and moves on
                self.summary.refused.append(exc.code)

    def _model_households(self, scheme: Scheme, month: Any, models: list[Account], rules: list[Rule]) -> None:
        """创星: a few households earn in most star categories every month (Dongzhuang named 31 十星
        模范), so the evaluation has stars to award and, when one slips, to take away."""
        by_category: dict[int, list[Rule]] = {}
        for rule in rules:
            if not rule.is_deduction:
                by_category.setdefault(rule.category_id, []).append(rule)
        for account in models:
            for category_rules in by_category.values():
                if self.rng.random() < 0.3:
                    continue  # a star missed this month
                earned = 0
                for rule in sorted(category_rules, key=lambda r: -r.points_max):
                    if earned >= STAR_POINTS:
                        break
                    earned += rule.points_max
                    day = month.first + dt.timedelta(days=self.rng.randrange(25))
                    try:
                        points_record(
                            actor=self._recorder(account),
                            account_id=account.pk,
                            rule_id=rule.pk,
                            points=rule.points_max,
                            note=self.rng.choice(NOTES),
                            day=day,
                            now=self._at(day, 16),
                        )
                        self.summary.claims += 1
                    except DomainError as exc:
                        self.summary.refused.append(exc.code)

    def _pick_rule(self, rules: list[Rule]) -> Rule:
        # Deeds are mostly good; one claim in ten is a deduction.
        good = [r for r in rules if not r.is_deduction]
        bad = [r for r in rules if r.is_deduction]
        return self.rng.choice(bad if bad and self.rng.random() < 0.1 else good)

    def _review(self, scheme: Scheme, month: Any, reviewer: User | None, council: User | None) -> None:
        """一月一审核: the secretary approves the month's claims in one batch, rejects the few without
        proof; the council takes its own items."""
        when = self._review_time(month)
        claims = list(
            Entry.objects.filter(
                scheme=scheme, kind="award", month=month.key, followups__isnull=True
            ).select_related("rule")
        )
        rejected = [c.pk for c in claims if self.rng.random() < 0.06]
        ordinary = [c.pk for c in claims if c.pk not in rejected and not (c.rule and c.rule.council)]
        councils = [c.pk for c in claims if c.pk not in rejected and c.rule and c.rule.council]
        if rejected:
            points_decide(actor=reviewer, entry_ids=rejected, approve=False, note="佐证不足", now=when)
            self.summary.rejected += len(rejected)
        if ordinary:
            points_decide(actor=reviewer, entry_ids=ordinary, approve=True, note="月度审核通过", now=when)
            self.summary.approved += len(ordinary)
        if councils:
            council_name = scheme.council or "评议会"
            points_decide(
                actor=council,
                entry_ids=councils,
                approve=True,
                council=council_name,
                note="评议通过",
                now=when,
            )
            self.summary.approved += len(councils)

    def _review_time(self, month: Any) -> dt.datetime:
        """Early in the next month; for last month, today, a little before now."""
        return min(self._at(month.last + dt.timedelta(days=2), 10), self.now - dt.timedelta(hours=4))

    def _evaluate(self, scheme: Scheme, month: str, reviewer: User | None, when: dt.datetime) -> None:
        if when > self.now:
            return
        try:
            evaluation = stars_evaluate(actor=reviewer, scheme=scheme, month=month, now=when)
            self.summary.stars_gained += evaluation.gained
        except DomainError as exc:
            self.summary.refused.append(exc.code)

    def _publish(
        self, scheme: Scheme, node: Node, period: str, reviewer: User | None, when: dt.datetime
    ) -> None:
        if when > self.now:
            return
        try:
            boards = board_publish(actor=reviewer, scheme=scheme, node=node, period=period, now=when)
            self.summary.boards += len(boards)
        except DomainError as exc:
            self.summary.refused.append(exc.code)

    # ------------------------------------------------------------ the supermarket

    def _stock(self, scheme: Scheme, node: Node, when: dt.datetime) -> list[Any]:
        donors = [donor_create(actor=None, node=node, name=name, kind=kind) for name, kind in DONORS]
        window_days = [m.last - dt.timedelta(days=4) for m in self.months]
        for i, first in enumerate(window_days):
            window_create(
                actor=None,
                scheme=scheme,
                name=f"{self.months[i].first.month}月集中兑换日",
                starts_at=self._at(first, 8),
                ends_at=self._at(first + dt.timedelta(days=2), 18),
            )
        return [
            goods_create(
                actor=None,
                scheme=scheme,
                name=name,
                unit=unit,
                price=price,
                donor=donors[d] if d is not None else None,
                per_account_limit=1 if price >= 400 else None,
                initial_stock=stock,
                now=when,
            )
            for name, unit, price, stock, d in GOODS
        ]

    def _redeem_month(self, scheme: Scheme, month: Any, goods: list[Any], shoppers: list[Account]) -> None:
        """Households spend in the month's 集中兑换 days; most pick up, a few change their minds."""
        day = month.last - dt.timedelta(days=4 - self.rng.randrange(3))
        store_staff = self._first_user(scheme.node, Role.GRID_CHIEF)
        for account in shoppers:
            when = self._at(day, self.rng.choice((9, 10, 11, 15)))
            if when > self.now:
                return
            account.refresh_from_db(fields=["redeemable"])
            affordable = [g for g in goods if g.price <= account.redeemable]
            if not affordable:
                continue
            item = self.rng.choice(affordable)
            try:
                redemption = redeem(
                    actor=store_staff,
                    account_id=account.pk,
                    goods_id=item.pk,
                    quantity=1,
                    request_key=f"demo-{scheme.pk}-{account.pk}-{month.key}",
                    now=when,
                )
            except DomainError as exc:
                self.summary.refused.append(exc.code)
                continue
            roll = self.rng.random()
            later = min(when + dt.timedelta(hours=2), self.now)
            if roll < 0.08:
                redemption_cancel(
                    actor=store_staff, redemption_id=redemption.pk, reason="户主改换其他商品", now=later
                )
            elif roll < 0.9:
                redemption_pickup(actor=store_staff, redemption_id=redemption.pk, now=later)
            self.summary.redemptions[
                "cancelled" if roll < 0.08 else "picked_up" if roll < 0.9 else "placed"
            ] += 1


def _ancestors(path: str, steplen: int = 4) -> list[str]:
    return [path[:i] for i in range(steplen, len(path) + 1, steplen)]


def build_points(*, rng: random.Random, now: dt.datetime | None = None) -> PointsSummary:
    started = timezone.now()
    summary = PointsSummary()
    demo = _PointsDemo(rng, now or timezone.now(), summary)
    for template, code, per_month in ADOPTIONS:
        demo.run(template, code, per_month)
    summary.pending = Entry.objects.filter(kind="award", followups__isnull=True).count()
    summary.seconds = (timezone.now() - started).total_seconds()
    return summary
