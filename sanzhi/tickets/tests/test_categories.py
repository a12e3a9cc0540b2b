"""诉求分类与职能部门: the seed, the services, and who may use them (one test per role)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sanzhi.core.errors import Conflict, Forbidden, ValidationFailed
from sanzhi.core.models import AuditEvent
from sanzhi.core.testing import Town
from sanzhi.grids.services import node_create
from sanzhi.tickets.categories import (
    can_manage_categories,
    category_create,
    category_deactivate,
    category_limits_set,
    category_update,
    department_create,
    department_member_add,
    department_member_remove,
    department_update,
    ensure_default_categories,
)
from sanzhi.tickets.clock import limits_for
from sanzhi.tickets.models import Category, CategoryKind, DepartmentMember
from sanzhi.tickets.rules import department_ids_of
from sanzhi.tickets.states import Level
from sanzhi.tickets.testing import TicketWorld

ALLOWED = {"street", "sysadmin"}
PERSONAS = ["resident", "rep", "gridworker", "secretary", "street", "dept", "council", "sysadmin", "outsider"]


@pytest.fixture(autouse=True)
def _default_categories(db: None) -> None:
    # A transactional (browser) test earlier in this process flushes the seeded tree.
    ensure_default_categories()


def test_seed_has_the_gbt_30428_classes_and_community_demands(db: None) -> None:
    tops = dict(Category.objects.filter(parent=None).values_list("name", "kind"))
    for name in ("市容环境", "宣传广告", "施工管理", "突发事件", "街面秩序"):
        assert tops[name] == CategoryKind.EVENT
    for name in ("公用设施", "道路交通", "市容环境设施", "园林绿化", "房屋土地", "其他设施"):
        assert tops[name] == CategoryKind.PART
    for name in ("邻里纠纷", "物业服务", "供水供电供气", "治安隐患", "环境卫生", "政策咨询", "帮扶救助"):
        assert tops[name] == CategoryKind.DEMAND
    policy = Category.objects.get(code="D06")
    assert policy.is_consultation and all(c.is_consultation for c in policy.children.all())
    # Every subclass has keywords for the routing fallback, and the English name for the catalog.
    subs = Category.objects.filter(parent__isnull=False)
    assert (
        subs.count() > 80 and not subs.filter(keywords="").exists() and not subs.filter(name_en="").exists()
    )
    assert Category.objects.filter(code="E0102", grid_may_close=True).exists()


def test_seed_limits_are_per_level_and_emergencies_are_shorter(db: None) -> None:
    litter = Category.objects.get(code="E0102")  # 暴露垃圾, inherits 市容环境's limits
    collapse = Category.objects.get(code="E0401")  # 路面塌陷 (突发事件)
    for level in (Level.GRID, Level.COMMUNITY, Level.STREET, Level.DEPARTMENT):
        response, resolve = limits_for(collapse, level)
        assert 0 < response <= resolve
        assert resolve < limits_for(litter, level)[1] or level == Level.DEPARTMENT
    assert limits_for(collapse, Level.GRID) == (Decimal("0.50"), Decimal("2.00"))
    assert limits_for(Category.objects.get(code="P0102"), Level.DEPARTMENT)[1] == Decimal(120)


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_may_edit_categories(town: Town, persona: str) -> None:
    user = town.users[persona]
    assert can_manage_categories(user) is (persona in ALLOWED)
    if persona in ALLOWED:
        category = category_create(actor=user, code=f"X-{persona}", name="测试分类")
        category_update(actor=user, category=category, name="改名")
        category_limits_set(actor=user, category=category, limits={Level.GRID: (1, 4)})
        category_deactivate(actor=user, category=category)
        category.refresh_from_db()
        assert category.name == "改名" and not category.active
    else:
        with pytest.raises(Forbidden):
            category_create(actor=user, code=f"X-{persona}", name="测试分类")
        some = Category.objects.get(code="E0102")
        with pytest.raises(Forbidden):
            category_update(actor=user, category=some, name="改名")
        with pytest.raises(Forbidden):
            category_limits_set(actor=user, category=some, limits={Level.GRID: (1, 4)})
        with pytest.raises(Forbidden):
            category_deactivate(actor=user, category=some)


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_may_keep_departments(town: Town, persona: str) -> None:
    user = town.users[persona]
    # At the township: the street admin's own jurisdiction; the county: only the system admin's.
    if persona in ALLOWED:
        department = department_create(
            actor=user, code=f"d-{persona}", name="镇综合执法队", node=town.township
        )
        department_member_add(actor=user, department=department, user=town.dept)
        assert department.pk in department_ids_of(town.dept)
        department_member_remove(actor=user, department=department, user=town.dept)
        assert department.pk not in department_ids_of(town.dept)
        department_update(actor=user, department=department, name="综合行政执法队")
    else:
        with pytest.raises(Forbidden):
            department_create(actor=user, code=f"d-{persona}", name="镇综合执法队", node=town.township)
    county_ok = persona == "sysadmin"
    if county_ok:
        department_create(actor=user, code=f"c-{persona}", name="县城管局", node=town.county)
    else:
        with pytest.raises(Forbidden):
            department_create(actor=user, code=f"c-{persona}", name="县城管局", node=town.county)


def test_category_writes_are_audited_and_validated(world: TicketWorld) -> None:
    street = world.town.street
    top = category_create(
        actor=street, code="Z01", name="测试大类", kind=CategoryKind.EVENT, keywords="甲，乙、丙 甲"
    )
    assert top.keywords == "甲 乙 丙"
    sub = category_create(actor=street, code="Z0101", name="测试小类", parent=top, department=world.urban)
    assert sub.kind == CategoryKind.EVENT  # the parent's
    actions = list(
        AuditEvent.objects.filter(subject_type="tickets.category").values_list("action", flat=True)
    )
    assert actions.count("category.create") == 2
    with pytest.raises(Conflict):
        category_create(actor=street, code="Z01", name="重复")
    with pytest.raises(ValidationFailed) as bad:
        category_create(actor=street, code="有 空格", name="x")
    assert bad.value.code == "bad_code"
    with pytest.raises(ValidationFailed) as deep:
        category_create(actor=street, code="Z010101", name="三级", parent=sub)
    assert deep.value.code == "parent_not_top"
    with pytest.raises(ValidationFailed) as has_children:
        category_update(actor=street, category=top, parent=Category.objects.get(code="E01"))
    assert has_children.value.code == "has_children"
    with pytest.raises(ValidationFailed) as order:
        category_limits_set(actor=street, category=top, limits={Level.GRID: (8, 4)})
    assert order.value.code == "resolve_before_response"
    with pytest.raises(ValidationFailed):
        category_limits_set(actor=street, category=top, limits={Level.GRID: (0, 4)})
    with pytest.raises(ValidationFailed):
        category_limits_set(actor=street, category=top, limits={"moon": (1, 4)})

    limits = category_limits_set(
        actor=street, category=top, limits={Level.GRID: ("1.5", 8), Level.COMMUNITY: (4, 24)}
    )
    assert limits[Level.GRID] == (Decimal("1.50"), Decimal("8.00"))
    assert limits_for(sub, Level.GRID) == (Decimal("1.50"), Decimal("8.00"))  # inherited
    limits = category_limits_set(actor=street, category=top, limits={Level.GRID: None})
    assert Level.GRID not in limits and Level.COMMUNITY in limits
    update = AuditEvent.objects.filter(action="category.limits").order_by("-id").first()
    assert update is not None and update.data["limits"] == {"grid": None}

    category_update(actor=street, category=top, active=False)
    sub.refresh_from_db()
    assert not sub.active  # a stopped top class stops its subclasses
    last = AuditEvent.objects.filter(action="category.update").order_by("-id").first()
    assert last is not None and last.data["changed"] == {"active": False}


def test_a_category_names_a_department_of_the_editors_area_or_above(world: TicketWorld) -> None:
    town = world.town
    # 城管局 is the county's: a street admin below it may assign it.
    category = category_create(actor=town.street, code="Y01", name="分类", department=world.urban)
    assert category.department == world.urban
    elsewhere = node_create(actor=None, parent=town.county, code="511923101000", name="邻镇")
    theirs = department_create(actor=None, code="theirs", name="邻镇执法队", node=elsewhere)
    with pytest.raises(ValidationFailed) as unknown:
        category_update(actor=town.street, category=category, department=theirs)
    assert unknown.value.code == "department_unknown"
    category_update(actor=None, category=category, department=theirs)  # the operator may
    world.water = department_update(actor=None, department=world.water, active=False)
    with pytest.raises(ValidationFailed) as inactive:
        category_update(actor=town.street, category=category, department=world.water)
    assert inactive.value.code == "department_inactive"


def test_department_member_add_refuses_a_disabled_account(world: TicketWorld) -> None:
    town = world.town
    town.nobody.is_active = False
    town.nobody.save()
    with pytest.raises(ValidationFailed):
        department_member_add(actor=None, department=world.urban, user=town.nobody)
    assert not DepartmentMember.objects.filter(user=town.nobody).exists()
