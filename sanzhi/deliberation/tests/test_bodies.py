"""Bodies and their members: who keeps them (deliberation.manage: the community secretary, the
street above), one active body per kind and node, members from the registry and staff, and
``body_for`` finding the nearest body up the tree."""

from __future__ import annotations

import pytest

from sanzhi.core.errors import Conflict, Forbidden, ValidationFailed
from sanzhi.core.models import AuditEvent
from sanzhi.core.testing import Town
from sanzhi.deliberation.bodies import body_create, body_for, body_member_add, body_member_remove
from sanzhi.deliberation.models import Body, BodyKind, BodyMember
from sanzhi.deliberation.testing import DeliberationWorld, build_deliberation_world
from sanzhi.deliberation.tests.meeting_kit import PERSONAS

MANAGERS = {"secretary", "street"}  # deliberation.manage over 创举社区


@pytest.fixture
def world(town: Town) -> DeliberationWorld:
    return build_deliberation_world(town)


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_may_create_a_body(town: Town, persona: str) -> None:
    actor = town.users[persona]
    if persona in MANAGERS:
        body = body_create(
            actor=actor, node=town.village, kind=BodyKind.SUPERVISION, name="创举社区务监督委员会"
        )
        assert body.node_path == town.village.path and body.active
        audit = AuditEvent.objects.get(action="deliberation.body_create")
        assert audit.actor == actor and audit.subject_id == str(body.pk)
    else:
        with pytest.raises(Forbidden):
            body_create(actor=actor, node=town.village, kind=BodyKind.SUPERVISION, name="监督委员会")
        assert not Body.objects.exists()


def test_one_active_body_per_kind_and_node(world: DeliberationWorld) -> None:
    town = world.town
    secretary = town.users["secretary"]
    with pytest.raises(Conflict) as conflict:
        body_create(actor=secretary, node=town.village, kind=BodyKind.COUNCIL, name="第二议事会")
    assert conflict.value.code == "body_kind_taken"
    with pytest.raises(ValidationFailed):
        body_create(actor=secretary, node=town.village, kind="club", name="俱乐部")
    with pytest.raises(ValidationFailed):
        body_create(actor=secretary, node=town.village, kind=BodyKind.ASSEMBLY, name="  ")
    # The secretary of 创举社区 keeps nothing at 白衣村.
    with pytest.raises(Forbidden):
        body_create(actor=secretary, node=town.other_village, kind=BodyKind.COUNCIL, name="白衣村议事会")
    assert body_create(
        actor=town.users["outsider"], node=town.other_village, kind=BodyKind.COUNCIL, name="白衣村议事会"
    )


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_may_add_and_remove_members(world: DeliberationWorld, persona: str) -> None:
    town = world.town
    body = world.bodies[BodyKind.COUNCIL]
    actor = town.users[persona]
    wang = town.residents["wang"]
    if persona in MANAGERS:
        member = body_member_add(actor=actor, body=body, resident=wang, title="代表")
        assert member.name == "王志强" and member.active and member.title == "代表"
        removed = body_member_remove(actor=actor, member=member)
        assert not removed.active
        assert AuditEvent.objects.filter(action__startswith="deliberation.body_member_").count() == 2
    else:
        count = BodyMember.objects.count()
        with pytest.raises(Forbidden):
            body_member_add(actor=actor, body=body, resident=wang)
        with pytest.raises(Forbidden):
            body_member_remove(actor=actor, member=body.members.first())  # type: ignore[arg-type]
        assert BodyMember.objects.count() == count
        assert body.members.filter(active=True).count() == 6


def test_members_come_from_the_registry_under_the_body_or_from_staff(world: DeliberationWorld) -> None:
    town = world.town
    secretary = town.users["secretary"]
    body = world.bodies[BodyKind.COUNCIL]
    with pytest.raises(ValidationFailed) as err:
        body_member_add(actor=secretary, body=body)
    assert err.value.code == "invalid"
    with pytest.raises(ValidationFailed) as err:
        body_member_add(actor=secretary, body=body, resident=town.residents["liu"])  # 白衣村
    assert err.value.code == "member_elsewhere"
    staff = body_member_add(actor=secretary, body=body, user=town.users["gridworker"], title="网格员")
    assert staff.name == "gridworker" and staff.resident is None
    with pytest.raises(Conflict) as conflict:
        body_member_add(actor=secretary, body=body, user=town.users["gridworker"])
    assert conflict.value.code == "member_exists"
    # 张建国 is a representative through his resident row and his login: either one is him.
    reps = world.bodies[BodyKind.REPRESENTATIVES]
    for kwargs in ({"user": town.users["resident"]}, {"resident": town.residents["zhang"]}):
        with pytest.raises(Conflict):
            body_member_add(actor=secretary, body=reps, **kwargs)
    # On the council he is not yet: added by his resident row, his login is then him too.
    body_member_add(actor=secretary, body=body, resident=town.residents["zhang"])
    with pytest.raises(Conflict) as conflict:
        body_member_add(actor=secretary, body=body, user=town.users["resident"])
    assert conflict.value.code == "member_exists"
    zhang_wife = town.residents["zhang_wife"]
    zhang_wife.user = town.users["nobody"]
    zhang_wife.save(update_fields=["user"])
    body_member_add(actor=secretary, body=body, user=town.users["nobody"])
    with pytest.raises(Conflict):
        body_member_add(actor=secretary, body=body, resident=zhang_wife)


def test_a_returning_member_gets_their_row_back(world: DeliberationWorld) -> None:
    town = world.town
    secretary = town.users["secretary"]
    body = world.bodies[BodyKind.COUNCIL]
    wang = body_member_add(actor=secretary, body=body, resident=town.residents["wang"])
    body_member_remove(actor=secretary, member=wang)
    with pytest.raises(Conflict) as conflict:
        body_member_remove(actor=secretary, member=wang)
    assert conflict.value.code == "member_inactive"
    again = body_member_add(actor=secretary, body=body, resident=town.residents["wang"], title="代表")
    assert again.pk == wang.pk and again.active and again.title == "代表"


def test_a_body_has_one_chair(world: DeliberationWorld) -> None:
    town = world.town
    secretary = town.users["secretary"]
    body = world.bodies[BodyKind.COUNCIL]
    assert list(body.members.filter(is_chair=True).values_list("user__username", flat=True)) == ["council"]
    chair = body_member_add(actor=secretary, body=body, resident=town.residents["wang"], is_chair=True)
    assert list(body.members.filter(is_chair=True)) == [chair]
    body_member_remove(actor=secretary, member=chair)
    assert not body.members.filter(is_chair=True).exists()


def test_no_members_added_to_an_inactive_body(world: DeliberationWorld) -> None:
    body = world.bodies[BodyKind.COUNCIL]
    Body.objects.filter(pk=body.pk).update(active=False)
    with pytest.raises(Conflict) as conflict:
        body_member_add(actor=world.town.users["secretary"], body=body, resident=world.town.residents["wang"])
    assert conflict.value.code == "body_inactive"


def test_body_for_finds_the_nearest_active_body_up_the_tree(world: DeliberationWorld) -> None:
    town = world.town
    street = town.users["street"]
    township_council = body_create(
        actor=street, node=town.township, kind=BodyKind.COUNCIL, name="江口镇议事会"
    )
    assert body_for(town.village, BodyKind.COUNCIL) == world.bodies[BodyKind.COUNCIL]
    assert body_for(town.micro, BodyKind.COUNCIL) == world.bodies[BodyKind.COUNCIL]
    assert body_for(town.other_village, BodyKind.COUNCIL) == township_council
    assert body_for(town.other_micro, BodyKind.COUNCIL) == township_council
    assert body_for(town.township, BodyKind.REPRESENTATIVES) is None
    Body.objects.filter(pk=world.bodies[BodyKind.COUNCIL].pk).update(active=False)
    assert body_for(town.village, BodyKind.COUNCIL) == township_council
