"""Quorum and majority at the real 四议两公开 stages (build_deliberation_world's bodies):

- 村(居)民代表会议决议 (6 members): more than 2/3 present, more than half of those present for,
  written proxies allowed;
- 党组织提议 (5 members): more than half present, more than half of ALL members for;
- 党员大会审议 (6 members): more than half present, more than half of those present for.

Plus the arithmetic itself (``Fraction.met`` against exact rationals), proxies, double votes,
secret ballots and counted votes.
"""

from __future__ import annotations

from fractions import Fraction as Exact

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sanzhi.core.errors import Conflict, Forbidden, ValidationFailed
from sanzhi.core.models import AuditEvent
from sanzhi.core.testing import Town
from sanzhi.deliberation.counting import needed
from sanzhi.deliberation.meetings import (
    attendance_record,
    meeting_decide,
    meeting_record_count,
)
from sanzhi.deliberation.models import (
    Attendance,
    Ballot,
    Matter,
    MatterEvent,
    MatterStatus,
    MatterStep,
    Meeting,
    MeetingResult,
    MeetingStatus,
    StepStatus,
)
from sanzhi.deliberation.states import Count, Fraction, count_verdict
from sanzhi.deliberation.testing import DeliberationWorld, build_deliberation_world
from sanzhi.deliberation.tests.meeting_kit import DURING, MEETS, Sitting, current, sit, snapshot

EVERYONE_REPS = ["secretary", "rep", "resident", "x1", "x2", "x3"]


@pytest.fixture
def world(town: Town) -> DeliberationWorld:
    return build_deliberation_world(town)


def decide(s: Sitting) -> Meeting:
    return meeting_decide(actor=s.secretary, meeting=s.meeting, now=DURING)


def assert_passed(s: Sitting, next_code: str) -> None:
    meeting = s.refresh()
    assert meeting.status == MeetingStatus.DECIDED and meeting.result == MeetingResult.PASSED
    assert MatterStep.objects.get(pk=s.step.pk).status == StepStatus.PASSED
    assert current(s.matter).stage.code == next_code


def assert_failed_no_majority(s: Sitting) -> None:
    meeting = s.refresh()
    assert meeting.status == MeetingStatus.DECIDED and meeting.result == MeetingResult.FAILED
    assert MatterStep.objects.get(pk=s.step.pk).status == StepStatus.FAILED
    event = MatterEvent.objects.get(matter=s.matter, step=s.step, action="stage_failed")
    assert event.data["reason"] == "no_majority"
    assert Matter.objects.get(pk=s.matter.pk).status == MatterStatus.REJECTED


def assert_no_quorum(s: Sitting, *, present: int, expected: int, needed: int) -> None:
    before = snapshot()
    with pytest.raises(ValidationFailed) as err:
        decide(s)
    assert err.value.code == "no_quorum"
    assert err.value.data == {"present": present, "expected": expected, "needed": needed}
    assert snapshot() == before  # nothing changed: no meeting field, step, matter, event or audit row
    assert s.refresh().status == MeetingStatus.SCHEDULED


# ---------------------------------------------------------------- 代表会议: more than two thirds present


def test_exactly_two_thirds_present_is_not_a_quorum(world: DeliberationWorld) -> None:
    s = sit(world)
    s.seat(present=["secretary", "rep", "resident", "x1"], absent=["x2", "x3"])
    s.vote({"secretary": "for", "rep": "for", "resident": "for", "x1": "for"})
    assert_no_quorum(s, present=4, expected=6, needed=5)
    # The meeting goes on: the fifth member arrives, votes, and the decision is taken.
    s.seat(present=["x2"])
    s.vote({"x2": "against"})
    decide(s)
    assert_passed(s, "jueyi_gongkai")
    assert (s.meeting.present, s.meeting.votes_for, s.meeting.votes_against) == (5, 4, 1)


def test_the_no_quorum_message_names_the_numbers(world: DeliberationWorld) -> None:
    s = sit(world)
    s.seat(present=["secretary", "rep"])
    with pytest.raises(ValidationFailed) as err:
        decide(s)
    assert err.value.message == "到会人数不足：应到6人，实到2人，至少需5人"


def test_two_thirds_and_one_is_a_quorum(world: DeliberationWorld) -> None:
    s = sit(world)
    s.seat(present=["secretary", "rep", "resident", "x1", "x2"], absent=["x3"])
    meeting_record_count(
        actor=s.secretary, meeting=s.meeting, votes_for=3, votes_against=2, votes_abstain=0, now=DURING
    )
    decide(s)
    assert_passed(s, "jueyi_gongkai")


def test_a_tie_fails_with_no_majority(world: DeliberationWorld) -> None:
    s = sit(world)
    s.seat(present=EVERYONE_REPS)
    s.vote(
        {
            "secretary": "for",
            "rep": "for",
            "resident": "for",
            "x1": "against",
            "x2": "against",
            "x3": "against",
        }
    )
    decide(s)
    assert_failed_no_majority(s)
    assert (s.meeting.votes_for, s.meeting.votes_against) == (3, 3)


def test_abstentions_count_in_the_present_base(world: DeliberationWorld) -> None:
    # 2 for, 0 against, 3 abstain of 5 present: more for than against, yet not more than half present.
    s = sit(world)
    s.seat(present=["secretary", "rep", "resident", "x1", "x2"])
    s.vote({"secretary": "for", "rep": "for", "resident": "abstain", "x1": "abstain", "x2": "abstain"})
    decide(s)
    assert_failed_no_majority(s)

    s = sit(world)
    s.seat(present=["secretary", "rep", "resident", "x1", "x2"])
    s.vote({"secretary": "for", "rep": "for", "resident": "for", "x1": "abstain", "x2": "abstain"})
    decide(s)
    assert_passed(s, "jueyi_gongkai")


def test_present_members_who_do_not_vote_still_count_in_the_base(world: DeliberationWorld) -> None:
    s = sit(world)
    s.seat(present=EVERYONE_REPS)
    s.vote({"secretary": "for", "rep": "for", "resident": "for"})  # three silent: 3 of 6 is not > half
    decide(s)
    assert_failed_no_majority(s)


def test_quorum_strict_off_lets_exactly_two_thirds_decide(world: DeliberationWorld) -> None:
    """A community reading 以上 as inclusive (民法典 §1259) sets quorum_strict off: data, not code."""
    s = sit(world, quorum_strict=False)
    s.seat(present=["secretary", "rep", "resident", "x1"])
    s.vote({"secretary": "for", "rep": "for", "resident": "for", "x1": "against"})
    decide(s)
    assert_passed(s, "jueyi_gongkai")
    s = sit(world, quorum_strict=False)
    s.seat(present=["secretary", "rep", "resident"])
    s.vote({"secretary": "for"})
    assert_no_quorum(s, present=3, expected=6, needed=4)


# ---------------------------------------------------------------- party meetings: base = all members


def test_party_org_majority_is_of_all_members(world: DeliberationWorld) -> None:
    # 3 of 5 present (more than half); 2 for is more than half of those present but not of all 5.
    s = sit(world, "dang_tiyi")
    assert s.meeting.expected == 5 and s.step.stage.majority_base == "members"
    s.seat(present=["secretary", "council", "x1"], absent=["x2", "x3"])
    meeting_record_count(
        actor=s.secretary, meeting=s.meeting, votes_for=2, votes_against=1, votes_abstain=0, now=DURING
    )
    count = Count(expected=5, present=3, votes_for=2, votes_against=1, votes_abstain=0)
    half = Fraction(1, 2, True)
    assert count_verdict(count, quorum=half, majority=half, majority_base="present").passed
    decide(s)
    assert_failed_no_majority(s)

    s = sit(world, "dang_tiyi")
    s.seat(present=["secretary", "council", "x1"])
    meeting_record_count(
        actor=s.secretary, meeting=s.meeting, votes_for=3, votes_against=0, votes_abstain=0, now=DURING
    )
    decide(s)
    assert_passed(s, "liangwei_shangyi")


def test_party_org_quorum_is_more_than_half_of_its_members(world: DeliberationWorld) -> None:
    s = sit(world, "dang_tiyi")
    s.seat(present=["secretary", "council"])
    assert_no_quorum(s, present=2, expected=5, needed=3)


def test_party_members_meeting_counts_those_present(world: DeliberationWorld) -> None:
    # 党员大会: 4 of 6 present, 3 for: more than half of those present (base: present).
    s = sit(world, "dangyuan_shenyi")
    assert s.meeting.expected == 6 and s.step.stage.majority_base == "present"
    s.seat(present=["secretary", "council", "x1", "x2"])
    meeting_record_count(
        actor=s.secretary, meeting=s.meeting, votes_for=3, votes_against=1, votes_abstain=0, now=DURING
    )
    decide(s)
    assert_passed(s, "daibiao_jueyi")  # an ordinary matter skips the township's approval
    skipped = MatterStep.objects.get(matter=s.matter, stage__code="zhenjie_shenpi")
    assert skipped.status == StepStatus.SKIPPED


# ---------------------------------------------------------------- proxies


def test_a_proxy_counts_as_present_where_the_stage_allows_it(world: DeliberationWorld) -> None:
    s = sit(world)
    assert s.step.stage.allows_proxy
    s.seat(present=["secretary", "rep", "resident", "x1"], proxies={"x2": "x1"}, absent=["x3"])
    row = Attendance.objects.get(meeting=s.meeting, member=s.members["x2"])
    assert row.status == "proxy" and row.proxy_holder == s.members["x1"]
    # The holder votes for themself and for the member who gave the proxy.
    s.vote({"x1": "for", "x2": "for"}, by={"x2": "x1"})
    s.vote({"secretary": "for", "rep": "against"})
    proxied = Ballot.objects.get(meeting=s.meeting, member=s.members["x2"])
    assert proxied.by_proxy and proxied.choice == "for"
    decide(s)
    assert_passed(s, "jueyi_gongkai")
    assert (s.meeting.present, s.meeting.votes_for, s.meeting.votes_against) == (5, 3, 1)


def test_no_proxy_where_the_stage_does_not_allow_it(world: DeliberationWorld) -> None:
    s = sit(world, "dang_tiyi")
    s.seat(present=["secretary"])
    before = snapshot()
    with pytest.raises(ValidationFailed) as err:
        s.seat(proxies={"x1": "secretary"})
    assert err.value.code == "proxy_not_allowed"
    assert snapshot() == before


def test_proxies_recorded_then_disallowed_by_the_stage_do_not_count(world: DeliberationWorld) -> None:
    s = sit(world)
    s.seat(present=["secretary", "rep", "resident", "x1"], proxies={"x2": "x1"})
    s.vote({"secretary": "for", "rep": "for", "x1": "for", "x2": "for"}, by={"x2": "x1"})
    s.step.stage.allows_proxy = False
    s.step.stage.save(update_fields=["allows_proxy"])
    assert_no_quorum(s, present=4, expected=6, needed=5)


def test_a_proxy_holder_must_be_present(world: DeliberationWorld) -> None:
    s = sit(world)
    for holder_status in ("unknown", "absent"):
        if holder_status == "absent":
            s.seat(absent=["x1"])
        with pytest.raises(ValidationFailed) as err:
            s.seat(proxies={"x2": "x1"})
        assert err.value.code == "proxy_holder_absent"
    # A holder present when given the proxy cannot then be marked absent, nor give a proxy on.
    s.seat(present=["x1"], proxies={"x2": "x1"})
    for status, holder in (("absent", None), ("proxy", s.members["secretary"])):
        with pytest.raises(Conflict) as conflict:
            attendance_record(
                actor=s.secretary,
                meeting=s.meeting,
                member=s.members["x1"],
                status=status,
                proxy_holder=holder,
                now=DURING,
            )
        assert conflict.value.code == "holds_proxy"


def test_a_proxy_holder_holds_one_proxy_and_nobody_holds_their_own(world: DeliberationWorld) -> None:
    s = sit(world)
    s.seat(present=["x1"], proxies={"x2": "x1"})
    with pytest.raises(Conflict) as conflict:
        s.seat(proxies={"x3": "x1"})
    assert conflict.value.code == "proxy_holder_busy"
    with pytest.raises(ValidationFailed) as err:
        s.seat(proxies={"x3": "x3"})
    assert err.value.code == "invalid"
    with pytest.raises(ValidationFailed) as err:
        attendance_record(
            actor=s.secretary, meeting=s.meeting, member=s.members["x3"], status="proxy", now=DURING
        )
    assert err.value.code == "invalid"


def test_a_member_who_gave_a_proxy_does_not_vote_themself(world: DeliberationWorld) -> None:
    s = sit(world)
    s.seat(present=["x1"], proxies={"x2": "x1"})
    with pytest.raises(ValidationFailed) as err:
        s.vote({"x2": "against"})
    assert err.value.code == "not_present"
    # Another present member is not their holder.
    s.seat(present=["rep"])
    with pytest.raises(Forbidden):
        s.vote({"x2": "against"}, by={"x2": "rep"})


# ---------------------------------------------------------------- one vote each


def test_double_votes_are_refused(world: DeliberationWorld) -> None:
    s = sit(world)
    s.seat(present=["secretary", "rep", "resident", "x1"], proxies={"x2": "x1"})
    s.vote({"resident": "for", "x2": "against"}, by={"x2": "x1"})
    before = snapshot()
    for key, voter in (("resident", "resident"), ("x2", "x1")):
        with pytest.raises(Conflict) as conflict:
            s.vote({key: "for"}, by={key: voter})
        assert conflict.value.code == "already_voted"
    assert snapshot() == before
    # Attendance of a member who voted is fixed.
    with pytest.raises(Conflict) as conflict:
        attendance_record(
            actor=s.secretary, meeting=s.meeting, member=s.members["resident"], status="absent", now=DURING
        )
    assert conflict.value.code == "already_voted"


# ---------------------------------------------------------------- secret ballots


def test_secret_ballots_keep_no_name(world: DeliberationWorld) -> None:
    s = sit(world, secret=True)
    assert s.meeting.secret
    s.seat(present=["secretary", "rep", "resident", "x1", "x2"])
    s.vote({"secretary": "for", "rep": "against", "resident": "for", "x1": "for", "x2": "abstain"})
    ballots = list(Ballot.objects.filter(meeting=s.meeting))
    assert len(ballots) == 5
    assert all(b.member_id is None for b in ballots)
    assert {b.cast_at for b in ballots} == {MEETS}  # no time to pair a ballot with its voter's event
    assert sorted(b.choice for b in ballots) == ["abstain", "against", "for", "for", "for"]
    assert Attendance.objects.filter(meeting=s.meeting, voted=True).count() == 5
    for event in MatterEvent.objects.filter(action="ballot_cast"):
        assert "choice" not in event.data
    for audit in AuditEvent.objects.filter(action="deliberation.ballot_cast"):
        assert "choice" not in audit.data
    # Still once per member.
    with pytest.raises(Conflict):
        s.vote({"rep": "for"})
    decide(s)
    assert_passed(s, "jueyi_gongkai")
    assert (s.meeting.votes_for, s.meeting.votes_against, s.meeting.votes_abstain) == (3, 1, 1)


# ---------------------------------------------------------------- counted votes (a show of hands)


def test_a_count_larger_than_present_is_refused(world: DeliberationWorld) -> None:
    s = sit(world)
    s.seat(present=["secretary", "rep", "resident", "x1", "x2"])
    before = snapshot()
    with pytest.raises(ValidationFailed) as err:
        meeting_record_count(
            actor=s.secretary, meeting=s.meeting, votes_for=4, votes_against=1, votes_abstain=1, now=DURING
        )
    assert err.value.code == "count_exceeds_present"
    assert err.value.data == {"counted": 6, "present": 5}
    for bad in ((0, 0, 0), (-1, 2, 0)):
        with pytest.raises(ValidationFailed):
            meeting_record_count(
                actor=s.secretary,
                meeting=s.meeting,
                votes_for=bad[0],
                votes_against=bad[1],
                votes_abstain=bad[2],
                now=DURING,
            )
    assert snapshot() == before


def test_a_count_and_ballots_do_not_mix(world: DeliberationWorld) -> None:
    s = sit(world)
    s.seat(present=["secretary", "rep", "resident", "x1", "x2"])
    s.vote({"rep": "for"})
    with pytest.raises(Conflict) as conflict:
        meeting_record_count(
            actor=s.secretary, meeting=s.meeting, votes_for=3, votes_against=0, votes_abstain=0, now=DURING
        )
    assert conflict.value.code == "ballots_exist"

    s = sit(world)
    s.seat(present=["secretary", "rep", "resident", "x1", "x2"])
    meeting_record_count(
        actor=s.secretary, meeting=s.meeting, votes_for=3, votes_against=1, votes_abstain=0, now=DURING
    )
    with pytest.raises(Conflict) as conflict:
        s.vote({"rep": "for"})
    assert conflict.value.code == "count_recorded"
    # Once counted, attendance is fixed (the count was taken of those present).
    with pytest.raises(Conflict) as conflict:
        s.seat(absent=["x2"])
    assert conflict.value.code == "count_recorded"
    # The count itself may be corrected until the decision.
    meeting_record_count(
        actor=s.secretary, meeting=s.meeting, votes_for=2, votes_against=2, votes_abstain=1, now=DURING
    )
    decide(s)
    assert_failed_no_majority(s)


def test_quorum_without_any_vote_is_not_decided(world: DeliberationWorld) -> None:
    s = sit(world)
    s.seat(present=EVERYONE_REPS)
    before = snapshot()
    with pytest.raises(ValidationFailed) as err:
        decide(s)
    assert err.value.code == "no_votes"
    assert snapshot() == before


def test_who_may_record_a_count(world: DeliberationWorld) -> None:
    s = sit(world)
    s.seat(present=EVERYONE_REPS)
    for persona in ("resident", "rep", "gridworker", "council", "outsider", "nobody"):
        with pytest.raises(Forbidden):
            meeting_record_count(
                actor=world.town.users[persona],
                meeting=s.meeting,
                votes_for=4,
                votes_against=0,
                votes_abstain=0,
                now=DURING,
            )
    meeting_record_count(
        actor=world.town.users["street"],
        meeting=s.meeting,
        votes_for=4,
        votes_against=0,
        votes_abstain=0,
        now=DURING,
    )
    assert s.refresh().votes_for == 4


# ---------------------------------------------------------------- the arithmetic

FRACTIONS = st.tuples(st.integers(0, 12), st.integers(1, 12), st.booleans())


@given(FRACTIONS, st.integers(0, 60), st.integers(0, 60))
def test_fraction_met_agrees_with_exact_rationals(spec: tuple[int, int, bool], part: int, whole: int) -> None:
    num, den, strict = spec
    met = Fraction(num, den, strict).met(part, whole)
    if whole == 0:
        assert met is False
    elif strict:
        assert met is (Exact(part, whole) > Exact(num, den))
    else:
        assert met is (Exact(part, whole) >= Exact(num, den))


@given(FRACTIONS, st.integers(1, 60))
def test_needed_is_the_fewest_that_meet_the_fraction(spec: tuple[int, int, bool], whole: int) -> None:
    fraction = Fraction(*spec)
    least = needed(fraction, whole)
    assert not fraction.met(least - 1, whole)
    assert fraction.met(least, whole)


def test_the_default_thresholds_by_hand() -> None:
    two_thirds, half = Fraction(2, 3, True), Fraction(1, 2, True)
    assert [needed(two_thirds, n) for n in (3, 6, 7, 9, 30)] == [3, 5, 5, 7, 21]
    assert [needed(half, n) for n in (4, 5, 6)] == [3, 3, 4]
    assert needed(Fraction(2, 3, False), 6) == 4
