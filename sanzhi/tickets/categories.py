"""诉求分类与职能部门: writes to the category tree, its time limits, departments and their members.

The category tree is one for the installation (tickets of every street use it), like the working
calendar: whoever holds ``tickets.categories`` anywhere may edit it (street admins, system admins).
A department belongs to a jurisdiction: it is created and staffed by someone holding the capability
at its node. A category may name a department in the editor's area or one above it (a county
bureau serves every street below it). ``actor=None`` is the installation's operator (CLI, seed,
demo builder). Every write is audited.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from sanzhi.accounts.roles import Capability
from sanzhi.accounts.scoping import scope_for
from sanzhi.core.audit import audit_record
from sanzhi.core.errors import Conflict, Forbidden, ValidationFailed
from sanzhi.grids.models import Node
from sanzhi.tickets.models import Category, CategoryKind, CategoryLimit, Department, DepartmentMember
from sanzhi.tickets.states import Level

CODE_RE = re.compile(r"^[-A-Za-z0-9_]+$")
CODE_MAX = 40
NAME_MAX = 60
NAME_EN_MAX = 100
DEPARTMENT_NAME_MAX = 100
KEYWORDS_MAX = 1000
# DecimalField(max_digits=6/7, decimal_places=2) of CategoryLimit.
RESPONSE_MAX = Decimal("9999.99")
RESOLVE_MAX = Decimal("99999.99")
LEVELS: tuple[str, ...] = (Level.GRID, Level.COMMUNITY, Level.STREET, Level.DEPARTMENT)

_UNSET: Any = object()


# ---------------------------------------------------------------- permissions


def can_manage_categories(user: Any) -> bool:
    """The category tree: anyone holding ``tickets.categories`` somewhere."""
    return user is not None and bool(user.has_perm(Capability.MANAGE_CATEGORIES))


def can_manage_department(user: Any, department_or_node: Department | Node) -> bool:
    path = (
        department_or_node.node_path
        if isinstance(department_or_node, Department)
        else department_or_node.path
    )
    return scope_for(user, Capability.MANAGE_CATEGORIES).contains(path)


def department_usable_by(user: Any, department: Department) -> bool:
    """A category may name a department of the editor's area or above it."""
    if user is None:
        return True
    scope = scope_for(user, Capability.MANAGE_CATEGORIES)
    return scope.contains(department.node_path) or any(
        p.startswith(department.node_path) for p in scope.paths
    )


def _require_categories(actor: Any) -> None:
    if actor is not None and not can_manage_categories(actor):
        raise Forbidden(_("您无权维护诉求分类"), code="forbidden")


def _require_department(actor: Any, target: Department | Node) -> None:
    if actor is not None and not can_manage_department(actor, target):
        raise Forbidden(_("您无权维护该辖区的职能部门"), code="forbidden")


# ---------------------------------------------------------------- checks shared with the import


def clean_code(code: str, *, field: str = "code") -> str:
    code = (code or "").strip()
    if not code:
        raise ValidationFailed(_("编码不能为空"), code="code_required", data={"field": field})
    if len(code) > CODE_MAX or not CODE_RE.match(code):
        raise ValidationFailed(
            _("编码只能由字母、数字、短横线和下划线组成，最多 {n} 个字符").format(n=CODE_MAX),
            code="bad_code",
            data={"field": field, "code": code},
        )
    return code


def clean_name(name: str, *, limit: int = NAME_MAX, field: str = "name", required: bool = True) -> str:
    name = " ".join((name or "").split())
    if required and not name:
        raise ValidationFailed(_("名称不能为空"), code="name_required", data={"field": field})
    if len(name) > limit:
        raise ValidationFailed(
            _("名称不能超过 {n} 个字").format(n=limit), code="name_too_long", data={"field": field}
        )
    return name


def clean_keywords(keywords: str) -> str:
    """Keywords separated by spaces, commas or 、; stored space separated, without repeats."""
    words: list[str] = []
    for word in re.split(r"[\s,，、;；]+", keywords or ""):
        if word and word not in words:
            words.append(word)
    text = " ".join(words)
    if len(text) > KEYWORDS_MAX:
        raise ValidationFailed(
            _("关键词总长不能超过 {n} 个字").format(n=KEYWORDS_MAX),
            code="keywords_too_long",
            data={"field": "keywords"},
        )
    return text


def clean_hours(value: Any, *, field: str, maximum: Decimal) -> Decimal:
    try:
        hours = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationFailed(
            _("时限应为小时数，例如 8 或 0.5"), code="bad_hours", data={"field": field}
        ) from None
    if not hours.is_finite() or hours <= 0 or hours > maximum:
        raise ValidationFailed(
            _("时限应大于 0 且不超过 {n} 小时").format(n=maximum), code="bad_hours", data={"field": field}
        )
    return hours.quantize(Decimal("0.01"))


def check_limit_pair(response: Decimal, resolve: Decimal, *, field: str = "limits") -> None:
    if resolve < response:
        raise ValidationFailed(
            _("办结时限不能短于响应时限"), code="resolve_before_response", data={"field": field}
        )


def _check_parent(category: Category | None, parent: Category | None) -> None:
    if parent is None:
        return
    if parent.parent_id is not None:
        raise ValidationFailed(
            _("分类只有两级：上级分类必须是一级分类"), code="parent_not_top", data={"field": "parent"}
        )
    if category is not None and category.pk is not None:
        if parent.pk == category.pk:
            raise ValidationFailed(_("上级分类不能是自身"), code="parent_is_self", data={"field": "parent"})
        if category.children.exists():
            raise ValidationFailed(
                _("有下级分类的一级分类不能再设上级"), code="has_children", data={"field": "parent"}
            )


def _check_department(actor: Any, department: Department | None) -> None:
    if department is None:
        return
    if not department.active:
        raise ValidationFailed(_("该部门已停用"), code="department_inactive", data={"field": "department"})
    if not department_usable_by(actor, department):
        # Same answer as for a department that does not exist: another area's is not disclosed.
        raise ValidationFailed(
            _("部门不存在或不在您的辖区"), code="department_unknown", data={"field": "department"}
        )


def _snapshot(category: Category) -> dict[str, Any]:
    return {
        "code": category.code,
        "name": category.name,
        "name_en": category.name_en,
        "parent": category.parent.code if category.parent_id and category.parent else None,
        "kind": category.kind,
        "department": category.department.code if category.department_id and category.department else None,
        "grid_may_close": category.grid_may_close,
        "is_consultation": category.is_consultation,
        "keywords": category.keywords,
        "active": category.active,
        "sort": category.sort,
    }


# ---------------------------------------------------------------- categories


@transaction.atomic
def category_create(
    *,
    actor: Any,
    code: str,
    name: str,
    parent: Category | None = None,
    kind: str = "",
    name_en: str = "",
    department: Department | None = None,
    grid_may_close: bool = False,
    is_consultation: bool = False,
    keywords: str = "",
    sort: int | None = None,
) -> Category:
    """新增分类: a top class, or a subclass under one (it takes the parent's kind unless given)."""
    _require_categories(actor)
    code = clean_code(code)
    name = clean_name(name)
    name_en = clean_name(name_en, limit=NAME_EN_MAX, field="name_en", required=False)
    kind = kind or (parent.kind if parent is not None else CategoryKind.DEMAND)
    if kind not in CategoryKind.values:
        raise ValidationFailed(_("类别只能是事件、部件或诉求"), code="bad_kind", data={"field": "kind"})
    _check_parent(None, parent)
    _check_department(actor, department)
    if Category.objects.filter(code=code).exists():
        raise Conflict(_("编码 {code} 已被使用").format(code=code), code="category_code_taken")
    if sort is None:
        sort = _next_sort(parent)
    try:
        with transaction.atomic():
            category = Category.objects.create(
                code=code,
                name=name,
                name_en=name_en,
                parent=parent,
                kind=kind,
                department=department,
                grid_may_close=grid_may_close,
                is_consultation=is_consultation,
                keywords=clean_keywords(keywords),
                sort=sort,
            )
    except IntegrityError:
        raise Conflict(_("编码 {code} 已被使用").format(code=code), code="category_code_taken") from None
    audit_record(actor=actor, action="category.create", subject=category, data=_snapshot(category))
    return category


def _next_sort(parent: Category | None) -> int:
    siblings = Category.objects.filter(parent=parent).order_by("-sort").values_list("sort", flat=True)
    last = siblings.first()
    if last is None:
        return (parent.sort + 1) if parent is not None else 0
    return min(int(last) + 1, 32767)


@transaction.atomic
def category_update(
    *,
    actor: Any,
    category: Category,
    name: str = _UNSET,
    name_en: str = _UNSET,
    parent: Category | None = _UNSET,
    kind: str = _UNSET,
    department: Department | None = _UNSET,
    grid_may_close: bool = _UNSET,
    is_consultation: bool = _UNSET,
    keywords: str = _UNSET,
    sort: int = _UNSET,
    active: bool = _UNSET,
) -> Category:
    """修改分类: only the arguments given change. Tickets keep their time limits until re-registered."""
    _require_categories(actor)
    category = (
        Category.objects.select_for_update(of=("self",))
        .select_related("parent", "department")
        .get(pk=category.pk)
    )
    before = _snapshot(category)
    if name is not _UNSET:
        category.name = clean_name(name)
    if name_en is not _UNSET:
        category.name_en = clean_name(name_en, limit=NAME_EN_MAX, field="name_en", required=False)
    if parent is not _UNSET and (parent.pk if parent else None) != category.parent_id:
        _check_parent(category, parent)
        category.parent = parent
    if kind is not _UNSET:
        if kind not in CategoryKind.values:
            raise ValidationFailed(_("类别只能是事件、部件或诉求"), code="bad_kind", data={"field": "kind"})
        category.kind = kind
    if department is not _UNSET and (department.pk if department else None) != category.department_id:
        _check_department(actor, department)
        category.department = department
    if grid_may_close is not _UNSET:
        category.grid_may_close = bool(grid_may_close)
    if is_consultation is not _UNSET:
        category.is_consultation = bool(is_consultation)
    if keywords is not _UNSET:
        category.keywords = clean_keywords(keywords)
    if sort is not _UNSET:
        category.sort = max(0, min(int(sort), 32767))
    if active is not _UNSET:
        category.active = bool(active)
    after = _snapshot(category)
    changed = {k: after[k] for k in after if after[k] != before[k]}
    if not changed:
        return category
    category.save()
    if changed.get("active") is False:
        _deactivate_children(category)
    audit_record(
        actor=actor,
        action="category.update",
        subject=category,
        data={"code": category.code, "changed": changed, "before": {k: before[k] for k in changed}},
    )
    return category


def _deactivate_children(category: Category) -> None:
    # A stopped top class stops its subclasses: nothing new can be filed under a dead branch.
    category.children.filter(active=True).update(active=False)


@transaction.atomic
def category_deactivate(*, actor: Any, category: Category) -> Category:
    """停用: no new tickets in it (and its subclasses); existing tickets keep it."""
    _require_categories(actor)
    category = Category.objects.select_for_update().get(pk=category.pk)
    if category.active:
        category.active = False
        category.save(update_fields=["active", "updated_at"])
    _deactivate_children(category)
    audit_record(actor=actor, action="category.deactivate", subject=category, data={"code": category.code})
    return category


LimitSpec = tuple[Any, Any] | None


@transaction.atomic
def category_limits_set(
    *, actor: Any, category: Category, limits: Mapping[str, LimitSpec]
) -> dict[str, tuple[Decimal, Decimal]]:
    """时限: (response, resolve) working hours per level given; ``None`` removes the category's own
    limit at that level (it then inherits its parent's, or the defaults). Levels not given stay."""
    _require_categories(actor)
    cleaned: dict[str, tuple[Decimal, Decimal] | None] = {}
    for level, pair in limits.items():
        if level not in LEVELS:
            raise ValidationFailed(_("未知的层级"), code="bad_level", data={"field": "level", "level": level})
        if pair is None:
            cleaned[level] = None
            continue
        response = clean_hours(pair[0], field=f"{level}_response", maximum=RESPONSE_MAX)
        resolve = clean_hours(pair[1], field=f"{level}_resolve", maximum=RESOLVE_MAX)
        check_limit_pair(response, resolve, field=f"{level}_resolve")
        cleaned[level] = (response, resolve)
    current = {
        limit.level: limit for limit in CategoryLimit.objects.select_for_update().filter(category=category)
    }
    changes: dict[str, Any] = {}
    for level, pair in cleaned.items():
        row = current.get(level)
        if pair is None:
            if row is not None:
                row.delete()
                changes[level] = None
            continue
        if row is None:
            CategoryLimit.objects.create(
                category=category, level=level, response_hours=pair[0], resolve_hours=pair[1]
            )
        elif (row.response_hours, row.resolve_hours) != pair:
            row.response_hours, row.resolve_hours = pair
            row.save(update_fields=["response_hours", "resolve_hours"])
        else:
            continue
        changes[level] = [str(pair[0]), str(pair[1])]
    if changes:
        audit_record(
            actor=actor,
            action="category.limits",
            subject=category,
            data={"code": category.code, "limits": changes},
        )
    return own_limits(category)


def own_limits(category: Category) -> dict[str, tuple[Decimal, Decimal]]:
    return {
        limit.level: (limit.response_hours, limit.resolve_hours)
        for limit in CategoryLimit.objects.filter(category=category)
    }


# ---------------------------------------------------------------- departments


@transaction.atomic
def department_create(*, actor: Any, code: str, name: str, node: Node) -> Department:
    """职能部门 of a jurisdiction (a county bureau at the county, a street's own office at the street)."""
    _require_department(actor, node)
    code = clean_code(code)
    name = clean_name(name, limit=DEPARTMENT_NAME_MAX)
    if Department.objects.filter(code=code).exists():
        raise Conflict(_("编码 {code} 已被使用").format(code=code), code="department_code_taken")
    try:
        with transaction.atomic():
            department = Department.objects.create(code=code, name=name, node=node, node_path=node.path)
    except IntegrityError:
        raise Conflict(_("编码 {code} 已被使用").format(code=code), code="department_code_taken") from None
    audit_record(
        actor=actor,
        action="department.create",
        subject=department,
        node_path=node.path,
        data={"code": code, "name": name, "node": node.code},
    )
    return department


@transaction.atomic
def department_update(
    *, actor: Any, department: Department, name: str = _UNSET, active: bool = _UNSET
) -> Department:
    _require_department(actor, department)
    department = Department.objects.select_for_update().get(pk=department.pk)
    changed: dict[str, Any] = {}
    if name is not _UNSET:
        name = clean_name(name, limit=DEPARTMENT_NAME_MAX)
        if name != department.name:
            changed["name"] = name
            department.name = name
    if active is not _UNSET and bool(active) != department.active:
        changed["active"] = bool(active)
        department.active = bool(active)
    if changed:
        department.save()
        audit_record(
            actor=actor,
            action="department.update",
            subject=department,
            node_path=department.node_path,
            data={"code": department.code, "changed": changed},
        )
    return department


def _forget_departments(user: Any) -> None:
    # rules.department_ids_of caches the memberships on the user object.
    if hasattr(user, "_sanzhi_departments"):
        del user._sanzhi_departments


@transaction.atomic
def department_member_add(*, actor: Any, department: Department, user: Any) -> DepartmentMember:
    _require_department(actor, department)
    if not user.is_active:
        raise ValidationFailed(_("该账号已停用"), code="user_inactive", data={"field": "user"})
    member, created = DepartmentMember.objects.get_or_create(department=department, user=user)
    if created:
        audit_record(
            actor=actor,
            action="department.member_add",
            subject=department,
            node_path=department.node_path,
            data={"code": department.code, "user": user.username},
        )
    _forget_departments(user)
    return member


@transaction.atomic
def department_member_remove(*, actor: Any, department: Department, user: Any) -> None:
    _require_department(actor, department)
    deleted, _rows = DepartmentMember.objects.filter(department=department, user=user).delete()
    if deleted:
        audit_record(
            actor=actor,
            action="department.member_remove",
            subject=department,
            node_path=department.node_path,
            data={"code": department.code, "user": user.username},
        )
    _forget_departments(user)


__all__ = [
    "can_manage_categories",
    "can_manage_department",
    "category_create",
    "category_deactivate",
    "category_limits_set",
    "category_update",
    "department_create",
    "department_member_add",
    "department_member_remove",
    "department_update",
    "department_usable_by",
    "ensure_default_categories",
]


def ensure_default_categories() -> int:
    """Put back the default tree of migration 0002 where its codes are missing (a test database
    flushed by a transactional test, an installation that deleted them by hand); returns the number
    of categories afterwards. Existing categories are left as they are."""
    import importlib

    from django.apps import apps

    if Category.objects.filter(code="E01").exists():
        return Category.objects.count()
    seed = importlib.import_module("sanzhi.tickets.migrations.0002_seed_categories").seed
    with transaction.atomic():
        seed(apps, None)
    return Category.objects.count()
