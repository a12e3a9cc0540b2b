"""A small town and one persona per role, for every suite (healthchecks' owner/member/outsider idea).

county 511923000000 平昌县
  township 511923100000 江口镇
    village 511923100201 创举社区           grid 001 (micro 001, 002), grid 002 (micro 001)
    village 511923100202 白衣村             grid 001 (micro 001)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sanzhi.accounts.models import RoleAssignment, User
from sanzhi.accounts.roles import Role
from sanzhi.grids.models import Node
from sanzhi.grids.services import node_create
from sanzhi.people.codes import Relation
from sanzhi.people.idnumber import make_id_number
from sanzhi.people.models import Household, Resident
from sanzhi.people.services import household_create, resident_create

PASSWORD = "sanzhi-test-pw-9"


@dataclass
class Town:
    county: Node
    township: Node
    village: Node  # 创举社区
    other_village: Node  # 白衣村
    grid: Node  # 创举社区 first grid
    micro: Node  # its first micro-grid
    micro2: Node
    other_micro: Node  # under 白衣村
    households: dict[str, Household] = field(default_factory=dict)
    residents: dict[str, Resident] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)

    def __getattr__(self, name: str) -> User:
        users = self.__dict__.get("users", {})
        if name in users:
            return users[name]
        raise AttributeError(name)


_seq = [100]


def make_user(username: str, *roles: tuple[str, Node], superuser: bool = False) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, display_name=username)
    if superuser:
        user.is_superuser = True
        user.is_staff = True
        user.save()
    for role, node in roles:
        RoleAssignment.objects.create(user=user, role=role, node=node, node_path=node.path)
    return user


def make_resident(household: Household, name: str, relation: str = Relation.HEAD, **kw: Any) -> Resident:
    _seq[0] += 1
    id_number = make_id_number(
        "511923", dt.date(1960 + _seq[0] % 40, 1 + _seq[0] % 12, 1 + _seq[0] % 28), _seq[0]
    )
    return resident_create(
        actor=None,
        household=household,
        name=name,
        id_number=id_number,
        relation=relation,
        phone=f"1380000{_seq[0]:04d}",
        **kw,
    )


def build_town() -> Town:
    county = node_create(actor=None, parent=None, code="511923000000", name="平昌县")
    township = node_create(actor=None, parent=county, code="511923100000", name="江口镇", label="镇")
    village = node_create(actor=None, parent=township, code="511923100201", name="创举社区")
    other_village = node_create(actor=None, parent=township, code="511923100202", name="白衣村", label="村")
    grid = node_create(actor=None, parent=village, code="511923100201001", name="第一网格")
    grid2 = node_create(actor=None, parent=village, code="511923100201002", name="第二网格")
    micro = node_create(actor=None, parent=grid, code="511923100201001001", name="1号楼联户单元")
    micro2 = node_create(actor=None, parent=grid, code="511923100201001002", name="2号楼联户单元")
    node_create(actor=None, parent=grid2, code="511923100201002001", name="3号楼联户单元")
    other_grid = node_create(actor=None, parent=other_village, code="511923100202001", name="白衣一组")
    other_micro = node_create(
        actor=None, parent=other_grid, code="511923100202001001", name="白衣一组联户单元"
    )
    town = Town(county, township, village, other_village, grid, micro, micro2, other_micro)

    h1 = household_create(actor=None, node=micro, address="创举社区1号楼101", number="H0001")
    h2 = household_create(actor=None, node=micro2, address="创举社区2号楼202", number="H0002")
    h3 = household_create(actor=None, node=other_micro, address="白衣村一组8号", number="H0003")
    town.households = {"h1": h1, "h2": h2, "h3": h3}
    town.residents = {
        "zhang": make_resident(h1, "张建国"),
        "zhang_wife": make_resident(h1, "李秀英", Relation.SPOUSE),
        "wang": make_resident(h2, "王志强"),
        "liu": make_resident(h3, "刘德华"),
    }

    town.users = {
        "resident": make_user("resident", (Role.RESIDENT, micro)),
        "rep": make_user("rep", (Role.HOUSEHOLD_REP, micro)),
        "gridworker": make_user("gridworker", (Role.GRID_WORKER, grid)),
        "secretary": make_user("secretary", (Role.GRID_CHIEF, village)),
        "street": make_user("street", (Role.STREET_ADMIN, township)),
        "dept": make_user("dept", (Role.DEPARTMENT_HANDLER, township)),
        "council": make_user("council", (Role.COUNCIL_MEMBER, village)),
        "sysadmin": make_user("sysadmin", (Role.SYSTEM_ADMIN, county)),
        "outsider": make_user("outsider", (Role.GRID_CHIEF, other_village)),
        "nobody": make_user("nobody"),
    }
    zhang = town.residents["zhang"]
    zhang.user = town.users["resident"]
    zhang.save(update_fields=["user"])
    return town
