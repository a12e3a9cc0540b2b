"""计票: the count of a meeting under its stage's rules — who counts as present, the tally of the
ballots, the fewest present that make a quorum. Pure reads; the services in ``meetings`` write."""

from __future__ import annotations

from django.db.models import Count as DbCount

from sanzhi.deliberation.models import Attendance, AttendanceStatus, Ballot, Choice, Meeting, Stage
from sanzhi.deliberation.states import Count, Fraction, Verdict, count_verdict


def quorum_of(stage: Stage) -> Fraction:
    return Fraction(stage.quorum_num, stage.quorum_den, stage.quorum_strict)


def majority_of(stage: Stage) -> Fraction:
    return Fraction(stage.majority_num, stage.majority_den, stage.majority_strict)


def needed(fraction: Fraction, whole: int) -> int:
    """The fewest ``part`` with ``fraction.met(part, whole)`` (may exceed ``whole`` when the
    fraction cannot be met at all)."""
    scaled = fraction.num * whole
    if fraction.strict:
        return scaled // fraction.den + 1
    return -(-scaled // fraction.den)


def present_count(meeting: Meeting, stage: Stage) -> int:
    """Present in person, plus by proxy where the stage allows proxies."""
    statuses = [AttendanceStatus.PRESENT]
    if stage.allows_proxy:
        statuses.append(AttendanceStatus.PROXY)
    return Attendance.objects.filter(meeting=meeting, status__in=statuses).count()


def ballot_tally(meeting: Meeting, stage: Stage) -> tuple[int, int, int]:
    """(for, against, abstain) of the individual ballots; votes by proxy count only where the
    stage allows proxies (the stage's data may have changed since they were cast)."""
    ballots = Ballot.objects.filter(meeting=meeting)
    if not stage.allows_proxy:
        ballots = ballots.filter(by_proxy=False)
    counts = {
        row["choice"]: row["n"] for row in ballots.order_by().values("choice").annotate(n=DbCount("id"))
    }
    return counts.get(Choice.FOR, 0), counts.get(Choice.AGAINST, 0), counts.get(Choice.ABSTAIN, 0)


def meeting_count(meeting: Meeting, stage: Stage) -> Count:
    """The count as it stands: the roster, those present, and the individual ballots or, when
    there are none, the recorded show of hands."""
    if Ballot.objects.filter(meeting=meeting).exists():
        votes_for, votes_against, votes_abstain = ballot_tally(meeting, stage)
    else:
        votes_for, votes_against, votes_abstain = (
            meeting.votes_for,
            meeting.votes_against,
            meeting.votes_abstain,
        )
    return Count(
        expected=meeting.expected,
        present=present_count(meeting, stage),
        votes_for=votes_for,
        votes_against=votes_against,
        votes_abstain=votes_abstain,
    )


def verdict_of(count: Count, stage: Stage) -> Verdict:
    return count_verdict(
        count, quorum=quorum_of(stage), majority=majority_of(stage), majority_base=stage.majority_base
    )
