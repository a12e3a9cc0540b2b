"""红黑榜: the lists' contents and privacy, immutable snapshots, the appeal window (before, during,
after), corrections by revision, the public reads, and who may publish, appeal and decide."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from zoneinfo import ZoneInfo

import pytest

from sanzhi.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from sanzhi.points.boards import (
    appeal_decide,
    appeal_file,
    board_content_hash,
    board_correct,
    board_get_public,
    board_list,
    board_publish,
    boards_public,
    canonical_content,
    mask_person,
)
from sanzhi.points.ledger import points_record, points_reverse
from sanzhi.points.models import AppealState, Board, BoardAppeal, BoardKind, Entry
from sanzhi.points.testing import PointsWorld

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
PUBLISHED = dt.datetime(2026, 11, 2, 9, tzinfo=TZ)


def at(year: int, month: int, day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=TZ)


def earn(pw: PointsWorld, key: str, rule: str, day: dt.date, points: int | None = None) -> Entry:
    return points_record(
        actor=pw.town.secretary,
        account_id=pw.accounts[key].pk,
        rule_id=pw.rules[rule].pk,
        points=points,
        note="记录",
        day=day,
        approve=True,
        now=at(day.year, day.month, day.day),
    )


@pytest.fixture
def october(pw: PointsWorld) -> dict[str, Entry]:
    """h1 earns 50 in October; h2 earns 10 and is docked 20 (clamped to its 10)."""
    return {
        "sorting": earn(pw, "h1", "sorting", dt.date(2026, 10, 3)),
        "helping": earn(pw, "h1", "helping", dt.date(2026, 10, 8), points=30),
        "volunteer": earn(pw, "h2", "volunteer", dt.date(2026, 10, 4)),
        "wedding": earn(pw, "h2", "wedding", dt.date(2026, 10, 20)),
    }


@pytest.fixture
def boards(pw: PointsWorld, october: dict[str, Entry]) -> tuple[Board, Board]:
    return board_publish(actor=pw.town.secretary, scheme=pw.scheme, period="2026-10", now=PUBLISHED)


# ---------------------------------------------------------------- contents


def test_the_lists_rank_earners_and_deductions(pw: PointsWorld, boards: tuple[Board, Board]) -> None:
    red, black = boards
    h1, h2 = pw.accounts["h1"].pk, pw.accounts["h2"].pk
    assert (red.kind, red.revision, red.node, red.period) == (BoardKind.RED, 1, pw.town.village, "2026-10")
    assert red.rows == [
        {
            "rank": 1,
            "account": h1,
            "name": "张*国户（1号楼联户单元）",
            "points": 50,
            "reason": "孝老爱亲、邻里互助、主动进行垃圾分类",
        }
    ]
    # h2's net is 0 (10 earned, 10 of the 20 deducted): not a red-list earner.
    assert black.rows == [
        {
            "rank": 1,
            "account": h2,
            "name": "王*强户（2号楼联户单元）",
            "points": -20,
            "reason": "违规操办红白喜事",
        }
    ]
    assert red.appeal_until == PUBLISHED + dt.timedelta(days=pw.scheme.appeal_days)


def test_no_personal_data_on_a_board(pw: PointsWorld, boards: tuple[Board, Board]) -> None:
    text = json.dumps([b.rows for b in boards], ensure_ascii=False)
    for resident in pw.town.residents.values():
        assert resident.name not in text and resident.id_number not in text
        assert resident.phone[-8:] not in text
    for household in pw.town.households.values():
        assert household.address not in text
    assert (mask_person("张建国"), mask_person("王强"), mask_person("欧阳小明")) == ("张*国", "王*", "欧**明")


def test_ties_break_by_total_then_id_and_the_size_is_the_schemes(pw: PointsWorld) -> None:
    pw.scheme.red_list_size = 1
    pw.scheme.save(update_fields=["red_list_size"])
    earn(pw, "h2", "volunteer", dt.date(2026, 9, 1))  # a higher total from an earlier month
    earn(pw, "h1", "sorting", dt.date(2026, 10, 3))
    earn(pw, "h2", "sorting", dt.date(2026, 10, 3))
    red, _black = board_publish(actor=pw.town.secretary, scheme=pw.scheme, period="2026-10", now=PUBLISHED)
    assert [(r["account"], r["points"]) for r in red.rows] == [(pw.accounts["h2"].pk, 20)]


def test_a_nodes_board_covers_its_subtree(pw: PointsWorld, october: dict[str, Entry]) -> None:
    red, black = board_publish(
        actor=pw.town.secretary, scheme=pw.scheme, node=pw.town.micro, period="2026-10", now=PUBLISHED
    )
    assert [r["account"] for r in red.rows] == [pw.accounts["h1"].pk] and black.rows == []
    with pytest.raises(ValidationFailed):
        board_publish(
            actor=pw.town.street, scheme=pw.scheme, node=pw.town.other_micro, period="2026-10", now=PUBLISHED
        )


def test_a_quarter_adds_its_months(pw: PointsWorld, october: dict[str, Entry]) -> None:
    earn(pw, "h2", "helping", dt.date(2026, 12, 3), points=30)
    red, black = board_publish(
        actor=pw.town.secretary, scheme=pw.scheme, period="2026Q4", now=at(2027, 1, 1, 8)
    )
    assert [(r["account"], r["points"]) for r in red.rows] == [
        (pw.accounts["h1"].pk, 50),
        (pw.accounts["h2"].pk, 30),
    ]
    assert [r["points"] for r in black.rows] == [-20]


# ---------------------------------------------------------------- publishing


def test_a_period_is_published_once_and_only_after_it_ends(
    pw: PointsWorld, october: dict[str, Entry]
) -> None:
    with pytest.raises(Conflict) as early:
        board_publish(actor=pw.town.secretary, scheme=pw.scheme, period="2026-10", now=at(2026, 10, 31, 23))
    assert early.value.code == "points_period_not_ended" and not Board.objects.exists()
    board_publish(actor=pw.town.secretary, scheme=pw.scheme, period="2026-10", now=PUBLISHED)
    with pytest.raises(Conflict) as twice:
        board_publish(actor=pw.town.secretary, scheme=pw.scheme, period="2026-10", now=PUBLISHED)
    assert twice.value.code == "points_board_published" and Board.objects.count() == 2
    with pytest.raises(ValidationFailed):
        board_publish(actor=pw.town.secretary, scheme=pw.scheme, period="October", now=PUBLISHED)


@pytest.mark.parametrize("who", ["rep", "gridworker", "outsider", "resident", "council", "nobody"])
def test_only_reviewers_publish(pw: PointsWorld, october: dict[str, Entry], who: str) -> None:
    with pytest.raises(Forbidden):
        board_publish(actor=getattr(pw.town, who), scheme=pw.scheme, period="2026-10", now=PUBLISHED)
    assert not Board.objects.exists()


def test_the_snapshot_hash_covers_its_rows(pw: PointsWorld, boards: tuple[Board, Board]) -> None:
    for board in boards:
        stored = Board.objects.get(pk=board.pk)
        expected = hashlib.sha256(
            canonical_content(
                scheme_id=pw.scheme.pk,
                node_code=pw.town.village.code,
                period="2026-10",
                kind=board.kind,
                revision=1,
                rows=stored.rows,
            )
        ).hexdigest()
        assert stored.content_sha256 == expected == board_content_hash(stored)
        # A row edited behind the services' back no longer matches the published hash.
        stored.rows = [dict(row, points=999) for row in stored.rows] or [{"rank": 1}]
        assert board_content_hash(stored) != stored.content_sha256


# ---------------------------------------------------------------- appeals


def test_a_resident_appeals_for_their_own_household_inside_the_window(
    pw: PointsWorld, boards: tuple[Board, Board]
) -> None:
    red, black = boards
    resident, h1 = pw.town.resident, pw.accounts["h1"]
    appeal = appeal_file(
        actor=resident, board=red, reason="志愿服务漏记", now=PUBLISHED + dt.timedelta(days=3)
    )
    assert appeal.account == h1 and appeal.state == AppealState.PENDING  # their account by default
    with pytest.raises(Conflict):  # the same appeal twice while it is pending
        appeal_file(
            actor=resident, board=red, account=h1, reason="再次", now=PUBLISHED + dt.timedelta(days=3)
        )
    with pytest.raises(NotFound):  # not someone else's
        appeal_file(actor=resident, board=black, account=pw.accounts["h2"], reason="他家不对", now=PUBLISHED)
    late = red.appeal_until + dt.timedelta(seconds=1)
    with pytest.raises(Conflict) as closed:
        appeal_file(actor=resident, board=black, account=h1, reason="太迟", now=late)
    assert closed.value.code == "points_appeal_closed"
    with pytest.raises(Conflict):  # before publication
        appeal_file(
            actor=resident, board=black, account=h1, reason="太早", now=PUBLISHED - dt.timedelta(hours=1)
        )
    last_minute = appeal_file(
        actor=resident, board=black, account=h1, reason="最后一刻", now=red.appeal_until
    )
    assert BoardAppeal.objects.filter(filed_by=resident).count() == 2 and last_minute.board == black


@pytest.mark.parametrize("who", ["outsider", "nobody"])
def test_strangers_cannot_appeal(pw: PointsWorld, boards: tuple[Board, Board], who: str) -> None:
    red, _black = boards
    user = getattr(pw.town, who)
    with pytest.raises(NotFound):
        appeal_file(actor=user, board=red, account=pw.accounts["h1"], reason="异议", now=PUBLISHED)
    with pytest.raises(Forbidden):
        appeal_file(actor=user, board=red, reason="异议", now=PUBLISHED)
    assert not BoardAppeal.objects.exists()


def test_staff_who_see_the_node_may_appeal_about_the_list(
    pw: PointsWorld, boards: tuple[Board, Board]
) -> None:
    red, _black = boards
    appeal = appeal_file(actor=pw.town.gridworker, board=red, reason="名单漏了一户", now=PUBLISHED)
    assert appeal.account is None and appeal.filed_by == pw.town.gridworker


def test_an_upheld_appeal_publishes_a_correction_and_keeps_the_old_snapshot(
    pw: PointsWorld, october: dict[str, Entry], boards: tuple[Board, Board]
) -> None:
    red, black = boards
    old_rows, old_hash = list(black.rows), black.content_sha256
    # h2 has no resident login in the test town: its grid worker files for it.
    appeal = appeal_file(
        actor=pw.town.gridworker, board=black, account=pw.accounts["h2"], reason="婚礼未违规", now=PUBLISHED
    )
    with pytest.raises(Forbidden):
        appeal_decide(actor=pw.town.rep, appeal=appeal, uphold=True, note="成立", now=PUBLISHED)
    # The reviewer reverses the wrong deduction, then upholds: the black list is republished.
    points_reverse(
        actor=pw.town.secretary, entry_id=october["wedding"].pk, note="经核实未违规", now=at(2026, 11, 4)
    )
    decided, correction = appeal_decide(
        actor=pw.town.secretary, appeal=appeal, uphold=True, note="经核实成立", now=at(2026, 11, 4, 11)
    )
    assert decided.state == AppealState.UPHELD and decided.decided_by == pw.town.secretary
    assert correction is not None
    assert (correction.kind, correction.revision, correction.supersedes) == (BoardKind.BLACK, 2, black)
    assert correction.rows == [] and correction.content_sha256 == board_content_hash(correction)
    assert correction.appeal_until == at(2026, 11, 4, 11) + dt.timedelta(days=pw.scheme.appeal_days)
    old = Board.objects.get(pk=black.pk)
    assert old.rows == old_rows and old.content_sha256 == old_hash == board_content_hash(old)
    with pytest.raises(Conflict) as again:  # decided once: upheld stays upheld, nothing is republished
        appeal_decide(actor=pw.town.secretary, appeal=appeal, uphold=False, note="再议", now=at(2026, 11, 5))
    assert again.value.code == "points_appeal_decided"
    appeal.refresh_from_db()
    assert (appeal.state, appeal.decision_note) == (AppealState.UPHELD, "经核实成立")
    with pytest.raises(Conflict) as superseded:
        appeal_file(actor=pw.town.resident, board=black, reason="旧版", now=at(2026, 11, 5))
    assert superseded.value.code == "points_board_superseded"

    # The public page shows the red list and the corrected black list; the old one stays readable.
    assert [(b.kind, b.revision) for b in boards_public(pw.town.village)] == [("red", 1), ("black", 2)]
    assert [b.pk for b in boards_public(pw.town.village, period="2026-10")] == [red.pk, correction.pk]
    assert board_get_public(black.pk).rows == old_rows
    assert board_list(under=pw.town.township).count() == 3


def test_a_dismissed_appeal_changes_no_board(pw: PointsWorld, boards: tuple[Board, Board]) -> None:
    red, _black = boards
    appeal = appeal_file(actor=pw.town.resident, board=red, reason="分数不对", now=PUBLISHED)
    with pytest.raises(ValidationFailed):
        appeal_decide(actor=pw.town.secretary, appeal=appeal, uphold=False, note=" ", now=PUBLISHED)
    decided, correction = appeal_decide(
        actor=pw.town.secretary, appeal=appeal, uphold=False, note="分数无误", now=PUBLISHED
    )
    assert decided.state == AppealState.DISMISSED and correction is None
    assert Board.objects.count() == 2


def test_corrections_chain_from_the_latest_revision(pw: PointsWorld, boards: tuple[Board, Board]) -> None:
    red, _black = boards
    second = board_correct(actor=pw.town.secretary, board=red, now=at(2026, 11, 3))
    third = board_correct(actor=pw.town.secretary, board=red, now=at(2026, 11, 4))
    assert (second.revision, second.supersedes, third.revision, third.supersedes) == (2, red, 3, second)
    with pytest.raises(Forbidden):
        board_correct(actor=pw.town.gridworker, board=red, now=at(2026, 11, 4))


def test_public_reads(pw: PointsWorld, boards: tuple[Board, Board]) -> None:
    assert boards_public(pw.town.other_village) == []
    assert boards_public(pw.town.village, period="2026-09") == []
    with pytest.raises(NotFound):
        board_get_public(999999)


def test_published_lists_go_on_the_public_chain(pw: PointsWorld, boards: tuple[Board, Board]) -> None:
    """红黑榜 are publications like the disclosures: on the chain, a revision correcting its item."""
    from sanzhi.disclosure import chain
    from sanzhi.disclosure.models import Publication, PublicationKind

    red, black = boards
    items = {p.ref: p for p in Publication.objects.filter(kind=PublicationKind.BOARD)}
    assert set(items) == {f"points.board:{red.pk}", f"points.board:{black.pk}"}
    first = items[f"points.board:{red.pk}"]
    assert first.content["rows"] == red.rows and first.node_path == red.node_path
    second = board_correct(actor=pw.town.secretary, board=red, now=at(2026, 11, 3))
    fixed = Publication.objects.get(ref=f"points.board:{second.pk}")
    assert fixed.corrects_id == first.seq
    assert chain.verify_stored() == (3, None)
