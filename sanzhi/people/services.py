"""Writes to the registry. Every write keeps the per-node rollup counters in step (F() updates, so
concurrent writers add up) and leaves an audit row."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from sanzhi.accounts.roles import Capability
from sanzhi.accounts.scoping import scope_for
from sanzhi.core.audit import audit_record
from sanzhi.core.errors import Conflict, Forbidden, ValidationFailed
from sanzhi.grids.models import Node, NodeKind
from sanzhi.people.codes import PARTY_MEMBER_STATUSES, HouseholdKind, IdType, PoliticalStatus, Relation
from sanzhi.people.idnumber import IdKind, check_id_number
from sanzhi.people.models import Household, PiiAccess, Resident, Tag
from sanzhi.people.normalize import normalize_text
from sanzhi.people.phones import check_phone

ID_KIND_TO_TYPE = {
    IdKind.RESIDENT: IdType.RESIDENT_ID,
    IdKind.HK_MACAU_PERMIT: IdType.HK_MACAU_PERMIT,
    IdKind.TAIWAN_PERMIT: IdType.TAIWAN_PERMIT,
    IdKind.FOREIGNER_PR: IdType.FOREIGNER_PR,
}


def _require(user: Any, capability: str, path: str) -> None:
    # ``user=None`` is the installation's operator (CLI, demo builder): unrestricted by design.
    if user is not None and not scope_for(user, capability).contains(path):
        raise Forbidden(_("您没有在该网格维护户籍人口的权限"), code="forbidden")


def household_node_allowed(node: Node) -> bool:
    """Households live at a community/village (awaiting a micro-grid) or at a grid node."""
    return node.kind in (NodeKind.VILLAGE, NodeKind.GRID)


def counters_add(node_id: int, *, households: int = 0, residents: int = 0) -> None:
    if households or residents:
        Node.objects.filter(pk=node_id).update(
            households_direct=F("households_direct") + households,
            residents_direct=F("residents_direct") + residents,
        )


@transaction.atomic
def household_create(
    *,
    actor: Any,
    node: Node,
    address: str,
    number: str = "",
    kind: str = HouseholdKind.FAMILY,
    tags: Iterable[Tag] = (),
) -> Household:
    _require(actor, Capability.EDIT_REGISTRY, node.path)
    if not household_node_allowed(node):
        raise ValidationFailed(_("户只能登记在社区/村或网格之下"), code="bad_household_node")
    address = normalize_text(address)
    if not address:
        raise ValidationFailed(_("住址不能为空"), code="address_required")
    number = normalize_text(number)
    if number and Household.objects.filter(number=number).exists():
        raise Conflict(_("户编号 {n} 已存在").format(n=number), code="household_number_taken")
    household = Household.objects.create(
        number=number or None, node=node, node_path=node.path, address=address, kind=kind
    )
    if tags:
        household.tags.set(tags)
    counters_add(node.pk, households=1)
    audit_record(actor=actor, action="household.create", subject=household, node_path=node.path)
    return household


@transaction.atomic
def household_move(*, actor: Any, household: Household, node: Node) -> Household:
    """划入网格: attach a household (and its members) to another node."""
    _require(actor, Capability.EDIT_REGISTRY, household.node_path)
    _require(actor, Capability.EDIT_REGISTRY, node.path)
    if not household_node_allowed(node):
        raise ValidationFailed(_("户只能登记在社区/村或网格之下"), code="bad_household_node")
    household = Household.objects.select_for_update().get(pk=household.pk)
    old_node_id, old_path = household.node_id, household.node_path
    if old_node_id == node.pk:
        return household
    members = household.members.count()
    household.node, household.node_path = node, node.path
    household.save(update_fields=["node", "node_path", "updated_at"])
    household.members.update(node_path=node.path)
    counters_add(old_node_id, households=-1, residents=-members)
    counters_add(node.pk, households=1, residents=members)
    audit_record(
        actor=actor, action="household.move", subject=household, node_path=node.path, data={"from": old_path}
    )
    return household


@transaction.atomic
def resident_create(
    *,
    actor: Any,
    household: Household,
    name: str,
    id_number: str,
    relation: str,
    phone: str = "",
    ethnicity: str = "01",
    political_status: str = PoliticalStatus.MASSES,
    party_org_id: int | None = None,
    education: str = "",
    marital_status: str = "",
    occupation: str = "",
    residence_type: str = "registered",
    registered_address: str = "",
    tags: Iterable[Tag] = (),
) -> Resident:
    _require(actor, Capability.EDIT_REGISTRY, household.node_path)
    name = normalize_text(name)
    if not name:
        raise ValidationFailed(_("姓名不能为空"), code="name_required")
    checked = check_id_number(id_number)
    if not checked.ok:
        raise ValidationFailed(checked.error, code=checked.error_code, data={"field": "id_number"})
    phone_checked = check_phone(phone)
    if not phone_checked.ok:
        raise ValidationFailed(phone_checked.error, code=phone_checked.error_code, data={"field": "phone"})
    if relation not in Relation.values:
        raise ValidationFailed(_("与户主关系无效"), code="bad_relation", data={"field": "relation"})
    if party_org_id and political_status not in PARTY_MEMBER_STATUSES:
        raise ValidationFailed(_("只有党员才能编入党组织"), code="party_org_requires_member")
    if Resident.objects.filter(id_number=checked.value).exists():
        raise Conflict(_("身份证号 {id} 已登记").format(id=checked.value[:6] + "…"), code="id_number_taken")
    if relation == Relation.HEAD and household.members.filter(relation=Relation.HEAD).exists():
        raise Conflict(_("该户已有户主"), code="head_exists")
    assert checked.birth_date is not None
    try:
        with transaction.atomic():
            resident = Resident.objects.create(
                household=household,
                node_path=household.node_path,
                name=name,
                id_type=ID_KIND_TO_TYPE[checked.kind],
                id_number=checked.value,
                sex=checked.sex,
                birth_date=checked.birth_date,
                phone=phone_checked.value,
                relation=relation,
                ethnicity=ethnicity,
                political_status=political_status,
                party_org_id=party_org_id,
                education=education,
                marital_status=marital_status,
                occupation=normalize_text(occupation),
                residence_type=residence_type,
                registered_address=normalize_text(registered_address),
            )
    except IntegrityError:
        # A concurrent writer took the ID number or the head slot between our check and insert.
        raise Conflict(_("身份证号已登记或该户已有户主"), code="resident_conflict") from None
    if tags:
        resident.tags.set(tags)
    counters_add(household.node_id, residents=1)
    audit_record(actor=actor, action="resident.create", subject=resident, node_path=household.node_path)
    return resident


def pii_reveal_log(
    *, actor: Any, residents: Iterable[Resident], reason: str, channel: str, ip: str | None = None
) -> int:
    """Record that ``actor`` saw the full ID number and phone of each resident (who, whom, when, why)."""
    reason = normalize_text(reason)
    if not reason:
        raise ValidationFailed(_("查看完整信息须填写事由"), code="reveal_reason_required")
    rows = [
        PiiAccess(actor=actor, resident=r, node_path=r.node_path, reason=reason[:200], channel=channel, ip=ip)
        for r in residents
    ]
    PiiAccess.objects.bulk_create(rows)
    return len(rows)
