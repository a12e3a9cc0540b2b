"""A deliberation world on the test town (sanzhi.core.testing): 创举社区 adopts 四议两公开 and the
other two templates and has its bodies, each with members. For every deliberation suite.

Bodies (all at 创举社区):
- party_org (党支部委员会): secretary (chair), council, 3 resident members  → 5
- two_committees (两委): secretary (chair), council, gridworker, 2 residents → 5
- party_members (党员大会): secretary, council, 4 residents                 → 6
- representatives (村民代表会议): secretary (chair), rep, 4 residents       → 6 (the resident
  persona ``resident`` is one of them, through 张三)
- council (议事会): council (chair), rep, 4 residents                       → 6
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sanzhi.core.testing import Town, build_town, make_resident
from sanzhi.deliberation.models import Body, BodyKind, BodyMember, Procedure
from sanzhi.deliberation.procedures import procedure_adopt
from sanzhi.deliberation.templates_data import TEMPLATES
from sanzhi.people.codes import Relation


@dataclass
class DeliberationWorld:
    town: Town
    procedures: dict[str, Procedure] = field(default_factory=dict)  # by template key
    bodies: dict[str, Body] = field(default_factory=dict)  # by BodyKind


def _add(
    body: Body, *, user: Any = None, resident: Any = None, name: str = "", chair: bool = False
) -> BodyMember:
    label = name or (resident.name if resident is not None else user.display_name or user.username)
    return BodyMember.objects.create(body=body, user=user, resident=resident, name=label, is_chair=chair)


def build_deliberation_world(town: Town | None = None) -> DeliberationWorld:
    town = town or build_town()
    world = DeliberationWorld(town=town)
    village = town.village
    for key in TEMPLATES:
        world.procedures[key] = procedure_adopt(actor=town.users["secretary"], template=key, node=village)
    # Other households of 创举社区 than 张建国's (the resident persona) hold the extra members.
    household = next(
        h
        for h in town.households.values()
        if h.node_path.startswith(village.path) and h.pk != town.residents["zhang"].household_id
    )
    extra = [make_resident(household, f"代表{i}", Relation.OTHER_RELATIVE) for i in range(1, 5)]
    zhang = town.residents["zhang"]
    names = {
        BodyKind.PARTY_ORG: "创举社区党支部委员会",
        BodyKind.TWO_COMMITTEES: "创举社区两委",
        BodyKind.PARTY_MEMBERS: "创举社区党员大会",
        BodyKind.REPRESENTATIVES: "创举社区居民代表会议",
        BodyKind.COUNCIL: "创举社区议事会",
    }
    for kind, name in names.items():
        world.bodies[kind] = Body.objects.create(node=village, node_path=village.path, kind=kind, name=name)
    b = world.bodies
    _add(b[BodyKind.PARTY_ORG], user=town.users["secretary"], chair=True)
    _add(b[BodyKind.PARTY_ORG], user=town.users["council"])
    for r in extra[:3]:
        _add(b[BodyKind.PARTY_ORG], resident=r)
    _add(b[BodyKind.TWO_COMMITTEES], user=town.users["secretary"], chair=True)
    _add(b[BodyKind.TWO_COMMITTEES], user=town.users["council"])
    _add(b[BodyKind.TWO_COMMITTEES], user=town.users["gridworker"])
    for r in extra[:2]:
        _add(b[BodyKind.TWO_COMMITTEES], resident=r)
    _add(b[BodyKind.PARTY_MEMBERS], user=town.users["secretary"], chair=True)
    _add(b[BodyKind.PARTY_MEMBERS], user=town.users["council"])
    for r in extra:
        _add(b[BodyKind.PARTY_MEMBERS], resident=r)
    _add(b[BodyKind.REPRESENTATIVES], user=town.users["secretary"], chair=True)
    _add(b[BodyKind.REPRESENTATIVES], user=town.users["rep"])
    _add(b[BodyKind.REPRESENTATIVES], resident=zhang, user=town.users["resident"])
    for r in extra[:3]:
        _add(b[BodyKind.REPRESENTATIVES], resident=r)
    _add(b[BodyKind.COUNCIL], user=town.users["council"], chair=True)
    _add(b[BodyKind.COUNCIL], user=town.users["rep"])
    for r in extra:
        _add(b[BodyKind.COUNCIL], resident=r)
    return world
