"""A points world on the test town (sanzhi.core.testing): a 道德银行-like scheme at 创举社区 with
a few rules, its households' accounts and a stocked supermarket. For every points suite."""

from __future__ import annotations

from dataclasses import dataclass, field

from sanzhi.core.testing import Town, build_town
from sanzhi.points.models import Account, Evidence, Goods, Rule, RuleCategory, Scheme, Subject
from sanzhi.points.opening import account_open
from sanzhi.points.store import goods_restock


@dataclass
class PointsWorld:
    town: Town
    scheme: Scheme
    categories: dict[str, RuleCategory] = field(default_factory=dict)
    rules: dict[str, Rule] = field(default_factory=dict)
    accounts: dict[str, Account] = field(default_factory=dict)
    goods: dict[str, Goods] = field(default_factory=dict)


def build_points_world(town: Town | None = None, *, base_score: int = 0) -> PointsWorld:
    town = town or build_town()
    scheme = Scheme.objects.create(
        node=town.village,
        node_path=town.village.path,
        code="daode",
        name="创举社区道德银行",
        subject=Subject.HOUSEHOLD,
        base_score=base_score,
        council="道德评议会",
    )
    world = PointsWorld(town=town, scheme=scheme)
    for order, (code, name) in enumerate(
        [("social", "社会公德"), ("work", "职业道德"), ("family", "家庭美德"), ("personal", "个人品德")]
    ):
        world.categories[code] = RuleCategory.objects.create(scheme=scheme, code=code, name=name, order=order)
    specs = [
        ("volunteer", "social", "参加志愿服务活动", 10, 10, Evidence.PHOTO_OR_NOTE, "", None),
        ("sorting", "social", "主动进行垃圾分类", 20, 20, Evidence.NONE, "", 1),
        ("startup", "work", "积极创业且有示范带动作用", 100, 100, Evidence.NOTE, "道德评议会", None),
        ("helping", "family", "孝老爱亲、邻里互助", 5, 30, Evidence.NONE, "", None),
        ("wedding", "personal", "违规操办红白喜事", -20, -20, Evidence.NOTE, "", None),
    ]
    for order, (code, cat, item, low, high, evidence, council, cap) in enumerate(specs):
        world.rules[code] = Rule.objects.create(
            scheme=scheme,
            category=world.categories[cat],
            code=code,
            item=item,
            points_min=low,
            points_max=high,
            evidence=evidence,
            council=council,
            cap_per_period=cap,
            order=order,
        )
    for key in ("h1", "h2"):
        world.accounts[key] = account_open(scheme=scheme, holder=town.households[key])
    for name, price, stock in (("洗衣粉", 20, 50), ("食用油", 100, 5), ("大米", 60, 1)):
        goods = Goods.objects.create(scheme=scheme, name=name, price=price)
        goods_restock(actor=None, goods_id=goods.pk, quantity=stock)
        goods.refresh_from_db()
        world.goods[name] = goods
    return world


def tamper_entry(entry_id: int, column: str, value: int | str) -> None:
    """Change a stored ledger entry behind the services' back, past the append-only trigger (as an
    attacker with database access would), so tests can show ``verify`` catches it."""
    from django.db import connection

    assert column.isidentifier()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")  # row triggers off (superuser)
            try:
                cursor.execute(f"UPDATE points_entry SET {column} = %s WHERE id = %s", [value, entry_id])
            finally:
                cursor.execute("SET session_replication_role = DEFAULT")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS points_entry_no_update")
            cursor.execute(f"UPDATE points_entry SET {column} = %s WHERE id = %s", [value, entry_id])
            from sanzhi.points.migrations import _append_only

            cursor.execute(_append_only.SQLITE_UP)
