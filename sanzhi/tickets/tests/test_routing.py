"""智能分派: keyword rules before history, a character n-gram model after `sanzhi train-router`."""

from __future__ import annotations

import datetime as dt
import random
from io import StringIO

import pytest
from django.core.management import call_command

from sanzhi.tickets import routing
from sanzhi.tickets.categories import category_update, ensure_default_categories
from sanzhi.tickets.intake import ticket_create
from sanzhi.tickets.models import Category, Channel, Department, RouterModel, Ticket, TicketEvent
from sanzhi.tickets.routing import (
    override_stats,
    suggest_category,
    suggest_department,
    suggestion_data,
    train_router,
)
from sanzhi.tickets.services import ticket_register
from sanzhi.tickets.states import Action, Level, State
from sanzhi.tickets.testing import TicketWorld
from sanzhi.tickets.textgen import ticket_text

NOW = dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.UTC)
# Four clearly separable classes; the department each ends at.
CODES = ["E0102", "P0102", "D0202", "D0902"]


@pytest.fixture(autouse=True)
def _default_categories(db: None) -> None:
    # A transactional (browser) test earlier in this process flushes the seeded tree.
    ensure_default_categories()


@pytest.fixture(autouse=True)
def _fresh_router_cache() -> None:
    routing.clear_cache()


def _history(world: TicketWorld, per_class: int = 40, seed: int = 7) -> None:
    town = world.town
    rng = random.Random(seed)
    categories = {c.code: c for c in Category.objects.filter(code__in=CODES)}
    departments = {"E0102": world.urban, "P0102": world.urban, "D0202": world.water, "D0902": world.water}
    rows = []
    for code in CODES:
        for _i in range(per_class):
            _code, title, text = ticket_text(rng, code)
            department = departments[code]
            rows.append(
                Ticket(
                    title=title,
                    text=text,
                    category=categories[code],
                    channel=Channel.HOTLINE,
                    state=State.CLOSED,
                    level=Level.DEPARTMENT,
                    department=department,
                    node=town.micro,
                    node_path=town.micro.path,
                    community=town.village,
                    street=town.township,
                    registered_at=NOW,
                    created_at=NOW,
                )
            )
    rng.shuffle(rows)
    Ticket.objects.bulk_create(rows)


def test_keywords_suggest_before_there_is_a_model(world: TicketWorld) -> None:
    assert RouterModel.objects.count() == 0
    ranked = suggest_category("小区门口的路灯不亮了，晚上很黑")
    assert ranked and ranked[0][0].code == "P0102"
    assert abs(sum(score for _c, score in suggest_category("路灯不亮", limit=50)) - 1) < 0.01
    assert suggest_category("今天天气不错") == []
    assert suggestion_data("路灯不亮") == {"suggested": "P0102", "suggested_by": "keywords"}
    # Departments: from the suggested categories' responsible departments serving the place.
    category_update(actor=None, category=Category.objects.get(code="P0102"), department=world.urban)
    departments = suggest_department("路灯不亮", world.town.micro)
    assert departments and departments[0][0] == world.urban
    far = Department.objects.create(
        code="far", name="外地", node=world.town.other_village, node_path=world.town.other_village.path
    )
    category_update(actor=None, category=Category.objects.get(code="P0102"), department=far)
    assert suggest_department("路灯不亮", world.town.micro) == []  # not serving 创举社区


def test_a_trained_model_learns_the_deployments_decisions(world: TicketWorld) -> None:
    _history(world)
    result = train_router(min_samples=20)
    assert result.row is not None
    category, department = result.targets["category"], result.targets["department"]
    assert category.trained and category.samples == 160 and category.classes == 4
    assert category.top1 is not None and category.top1 >= 0.85
    assert category.top3 == 1.0
    assert department.trained and department.top1 is not None and department.top1 >= 0.85
    row = RouterModel.objects.get()
    assert row.category_samples == 160 and row.accuracy["category"]["top1"] == category.top1

    ranked = suggest_category("5栋的电梯又坏了，困住了人")
    assert ranked[0][0].code == "D0202" and ranked[0][1] > 0.5
    assert suggestion_data("工地老板拖欠工资不发")["suggested"] == "D0902"
    assert suggestion_data("路灯坏了")["suggested_by"] == f"model:{row.pk}"
    assert suggest_department("老板欠薪三个月", world.town.micro)[0][0] == world.water
    assert suggest_department("老板欠薪三个月", world.town.other_micro)[0][0] == world.water

    # A stopped category is never suggested, even by a model that learned it.
    category_update(actor=None, category=Category.objects.get(code="D0202"), active=False)
    assert all(c.code != "D0202" for c, _s in suggest_category("电梯坏了"))


def test_too_little_history_keeps_the_keywords(world: TicketWorld) -> None:
    _history(world, per_class=3)
    result = train_router(min_samples=50)
    assert result.row is None and result.targets["category"].reason == "too_few_samples"
    assert suggestion_data("路灯不亮")["suggested_by"] == "keywords"


def test_the_process_cache_follows_the_newest_row(world: TicketWorld) -> None:
    _history(world, per_class=15)
    first = train_router(min_samples=20).row
    assert first is not None
    loaded = routing.current_model()
    assert loaded is not None and loaded[0] == first.pk
    second = train_router(min_samples=20, seed=1).row
    assert second is not None
    loaded = routing.current_model()
    assert loaded is not None and loaded[0] == second.pk and list(routing._cache) == [second.pk]


def test_register_records_the_suggestion_and_report_counts_overrides(world: TicketWorld) -> None:
    town = world.town
    light = ticket_create(actor=town.resident, channel=Channel.RESIDENT, text="楼下的路灯不亮了", now=NOW)
    ticket_register(actor=town.gridworker, ticket=light, category=Category.objects.get(code="P0102"), now=NOW)
    other = ticket_create(actor=town.resident, channel=Channel.RESIDENT, text="楼下路灯不亮", now=NOW)
    ticket_register(actor=town.gridworker, ticket=other, category=world.road, now=NOW)  # overridden
    event = TicketEvent.objects.get(ticket=light, action=Action.REGISTER)
    assert event.data == {"category": "P0102", "suggested": "P0102", "suggested_by": "keywords"}
    stats = override_stats()
    assert (stats.shown, stats.overridden) == (2, 1)
    assert stats.by_source == {"keywords": (2, 1)} and stats.rate == 0.5


def test_cli_train_router_report(world: TicketWorld) -> None:
    out = StringIO()
    call_command("train_router", "--min-samples", "1000", stdout=out)
    assert "样本不足" in out.getvalue()
    _history(world, per_class=25)
    out = StringIO()
    call_command("train_router", "--report", "--min-samples", "20", stdout=out)
    text = out.getvalue()
    assert "已训练模型" in text and "top-1" in text and "top-3" in text
    lines = [line for line in text.splitlines() if line.startswith(("分类", "部门"))]
    assert len(lines) == 2 and all("已训练" in line for line in lines)
    assert "尚无立案时的建议记录" in text
