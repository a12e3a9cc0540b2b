"""党组织: committee > general branch > branch > group > 党员中心户, each inside its superior's area."""

from __future__ import annotations

import pytest

from sanzhi.core.audit import AuditEvent
from sanzhi.core.errors import Forbidden, NotFound, ValidationFailed
from sanzhi.core.testing import Town
from sanzhi.grids.models import PartyOrganization, PartyOrgKind
from sanzhi.grids.selectors import party_orgs_for
from sanzhi.grids.services import party_org_create


def test_hierarchy_and_selector(town: Town) -> None:
    committee = party_org_create(
        actor=town.street,
        name="江口镇党委",
        kind=PartyOrgKind.COMMITTEE,
        node=town.township,
        secretary_name="王书记",
    )
    branch = party_org_create(
        actor=town.street,
        name="创举社区党支部",
        kind=PartyOrgKind.BRANCH,
        node=town.village,
        parent=committee,
    )
    group = party_org_create(
        actor=None, name="第一网格党小组", kind=PartyOrgKind.GROUP, node=town.grid, parent=branch
    )
    household = party_org_create(
        actor=None,
        name="张建国党员中心户",
        kind=PartyOrgKind.CENTRAL_HOUSEHOLD,
        node=town.micro,
        parent=group,
    )
    other = party_org_create(
        actor=None, name="白衣村党支部", kind=PartyOrgKind.BRANCH, node=town.other_village
    )
    assert committee.secretary_name == "王书记"
    assert AuditEvent.objects.filter(action="party_org.create").count() == 5

    assert list(party_orgs_for(user=town.secretary, node=town.village)) == [branch, group, household]
    assert set(party_orgs_for(user=town.street, node=town.township)) == {
        committee,
        branch,
        group,
        household,
        other,
    }
    with pytest.raises(NotFound):
        party_orgs_for(user=town.outsider, node=town.village)
    with pytest.raises(NotFound):
        party_orgs_for(user=town.nobody, node=town.micro)


@pytest.mark.parametrize(
    ("parent_kind", "child_kind"),
    [
        (PartyOrgKind.BRANCH, PartyOrgKind.BRANCH),
        (PartyOrgKind.BRANCH, PartyOrgKind.GENERAL_BRANCH),
        (PartyOrgKind.GROUP, PartyOrgKind.COMMITTEE),
        (PartyOrgKind.CENTRAL_HOUSEHOLD, PartyOrgKind.GROUP),
    ],
)
def test_child_must_rank_below_parent(town: Town, parent_kind: str, child_kind: str) -> None:
    parent = party_org_create(actor=None, name="上级", kind=parent_kind, node=town.village)
    with pytest.raises(ValidationFailed) as exc:
        party_org_create(actor=None, name="下级", kind=child_kind, node=town.grid, parent=parent)
    assert exc.value.code == "bad_party_org_parent"
    assert PartyOrganization.objects.count() == 1


def test_branch_may_skip_the_general_branch(town: Town) -> None:
    committee = party_org_create(actor=None, name="镇党委", kind=PartyOrgKind.COMMITTEE, node=town.township)
    branch = party_org_create(
        actor=None, name="村支部", kind=PartyOrgKind.BRANCH, node=town.village, parent=committee
    )
    assert branch.parent == committee


def test_child_node_must_be_inside_parent_subtree(town: Town) -> None:
    branch = party_org_create(actor=None, name="创举社区党支部", kind=PartyOrgKind.BRANCH, node=town.village)
    with pytest.raises(ValidationFailed) as exc:
        party_org_create(
            actor=None, name="白衣党小组", kind=PartyOrgKind.GROUP, node=town.other_micro, parent=branch
        )
    assert exc.value.code == "party_org_outside_parent"
    with pytest.raises(ValidationFailed):  # not above it either
        party_org_create(
            actor=None, name="镇党总支", kind=PartyOrgKind.GROUP, node=town.township, parent=branch
        )


def test_bad_input_and_permission(town: Town) -> None:
    with pytest.raises(ValidationFailed) as exc:
        party_org_create(actor=None, name="  ", kind=PartyOrgKind.BRANCH, node=town.village)
    assert exc.value.code == "name_required"
    with pytest.raises(ValidationFailed) as exc:
        party_org_create(actor=None, name="某组织", kind="cell", node=town.village)
    assert exc.value.code == "bad_party_org_kind"
    # managing the tree is a street-level capability; a community secretary or an outsider may not
    for persona in ("secretary", "outsider", "gridworker"):
        with pytest.raises(Forbidden):
            party_org_create(
                actor=town.users[persona], name="支部", kind=PartyOrgKind.BRANCH, node=town.village
            )
    assert not PartyOrganization.objects.exists()
