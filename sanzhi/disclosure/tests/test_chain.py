"""The publication chain itself (sanzhi.disclosure.chain): canonical hashing, appending under the
head's lock, the append-only table, and verify_items on every kind of damage."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib

import pytest
from django.db import DatabaseError, connection, transaction

from sanzhi.core.errors import ValidationFailed
from sanzhi.core.testing import Town
from sanzhi.disclosure import chain
from sanzhi.disclosure.models import GENESIS_HASH, Publication, PublicationHead, PublicationKind
from sanzhi.disclosure.tests.publication_kit import T0, finance_content, publish, publish_many

pytestmark = pytest.mark.django_db


def test_canonical_json_is_sorted_compact_and_keeps_chinese() -> None:
    assert chain.canonical_json({"b": 1, "a": ["公开", True, None]}) == '{"a":["公开",true,null],"b":1}'
    expected = hashlib.sha256('{"a":"财务"}'.encode()).hexdigest()
    assert chain.content_hash({"a": "财务"}) == expected


def test_timestamp_is_utc_with_microseconds() -> None:
    shanghai = dt.timezone(dt.timedelta(hours=8))
    value = dt.datetime(2026, 10, 5, 17, 0, 0, 1234, tzinfo=shanghai)
    assert chain.timestamp(value) == "2026-10-05T09:00:00.001234Z"


def test_append_links_items_and_moves_the_head(town: Town) -> None:
    first = publish(town.village, "九月财务公开", finance_content())
    second = publish(town.village, "十月财务公开", finance_content("2026-10"), now=T0 + dt.timedelta(days=30))
    assert (first.seq, second.seq) == (1, 2)
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash
    assert first.node_code == town.village.code and first.node_path == town.village.path
    assert first.content_hash == chain.content_hash(finance_content())
    assert first.hash == chain.link_hash(chain.item_dict(first))
    head = PublicationHead.objects.get(pk=1)
    assert (head.seq, head.hash) == (2, second.hash)


def test_the_hash_covers_every_link_field(town: Town) -> None:
    item = chain.item_dict(publish(town.village, "决议公开", {"text": "同意修建文化广场"}))
    for name in chain.LINK_FIELDS:
        changed = dict(item)
        changed[name] = 99 if isinstance(item[name], int) else f"{item[name]}x"
        assert chain.link_hash(changed) != item["hash"], name


@pytest.mark.django_db(transaction=True)
def test_append_needs_a_transaction(town: Town) -> None:
    with pytest.raises(RuntimeError):
        chain.append(kind="disclosure", node=town.village, title="t", ref="r", content={})


@pytest.mark.parametrize("bad", [1.5, {"amount": 0.1}, [float("nan")], {1: "x"}])
def test_content_refuses_floats_and_non_text_keys(town: Town, bad: object) -> None:
    with pytest.raises(ValidationFailed) as caught:
        publish(town.village, "坏内容", bad)
    assert caught.value.code == "content_invalid"
    assert not Publication.objects.exists()


def test_a_correction_stays_in_its_own_place(town: Town) -> None:
    original = publish(town.village, "九月财务公开", finance_content())
    with pytest.raises(ValidationFailed) as caught:
        publish(town.other_village, "更正", finance_content(), corrects=original)
    assert caught.value.code == "correction_elsewhere"
    fix = publish(town.village, "九月财务公开（更正）", finance_content(), corrects=original)
    assert fix.corrects_id == original.seq
    assert chain.item_dict(fix)["corrects"] == original.seq
    assert chain.verify_stored() == (2, None)


def test_stored_rows_cannot_be_updated(town: Town) -> None:
    item = publish(town.village, "九月财务公开", finance_content())
    with pytest.raises(DatabaseError), transaction.atomic():
        Publication.objects.filter(pk=item.pk).update(title="改过的标题")
    assert Publication.objects.get(pk=item.pk).title == "九月财务公开"


@pytest.mark.parametrize(
    ("column", "value"),
    [("content", {"x": 1}), ("hash", "f" * 64), ("node_code", "000"), ("published_at", T0 + dt.timedelta(1))],
)
def test_no_published_column_can_be_updated(town: Town, column: str, value: object) -> None:
    item = publish(town.village, "九月财务公开", finance_content())
    with pytest.raises(DatabaseError), transaction.atomic():
        Publication.objects.filter(pk=item.pk).update(**{column: value})


def test_a_node_move_carries_its_publications_along(town: Town) -> None:
    """node_path is a bookkeeping copy, not published: re-gridding must not trip the trigger."""
    from sanzhi.grids.models import Node
    from sanzhi.grids.services import node_move

    item = publish(town.micro, "网格公示", finance_content())
    code_before = item.node_code
    new_parent = Node.objects.get(path=town.other_micro.path[: -Node.steplen])
    node_move(actor=None, node=town.micro, new_parent=new_parent)
    item.refresh_from_db()
    town.micro.refresh_from_db()
    assert item.node_path == town.micro.path and item.node_code == code_before
    assert chain.verify_stored() == (1, None)


def test_deleting_a_publisher_keeps_the_item(town: Town) -> None:
    with transaction.atomic():
        item = chain.append(
            kind=PublicationKind.DISCLOSURE,
            node=town.village,
            title="九月财务公开",
            ref="test:publisher",
            content=finance_content(),
            actor=town.users["secretary"],
            now=T0,
        )
    town.users["secretary"].delete()
    item.refresh_from_db()
    assert item.published_by_id is None and chain.verify_stored() == (1, None)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="DELETE is refused on PostgreSQL only")
def test_stored_rows_cannot_be_deleted_on_postgresql(town: Town) -> None:
    item = publish(town.village, "九月财务公开", finance_content())
    with pytest.raises(DatabaseError), transaction.atomic():
        Publication.objects.filter(pk=item.pk).delete()
    assert Publication.objects.filter(pk=item.pk).exists()


def test_the_head_row_is_made_again_after_a_wipe(town: Town) -> None:
    PublicationHead.objects.all().delete()
    item = publish(town.village, "公示", {"text": "x"}, kind=PublicationKind.NOTICE)
    assert item.seq == 1 and item.prev_hash == GENESIS_HASH
    assert chain.verify_stored() == (1, None)


# ---------------------------------------------------------------- verify_items on damaged copies


@pytest.fixture
def items(town: Town) -> list[dict[str, object]]:
    publish_many(town.village, 5)
    return list(chain.stored_items())


def _head(items: list[dict[str, object]]) -> tuple[int, str]:
    last = items[-1]
    return int(str(last["seq"])), str(last["hash"])


def test_an_intact_chain_verifies(items: list[dict[str, object]]) -> None:
    assert chain.verify_items(items, head=_head(items)) == (5, None)
    assert chain.verify_items([], head=(0, GENESIS_HASH)) == (0, None)


def test_altered_content_is_named(items: list[dict[str, object]]) -> None:
    bad = copy.deepcopy(items)
    bad[2]["content"] = {"area": "affairs", "body": "被改过", "n": 3}
    count, problem = chain.verify_items(bad, head=_head(items))
    assert count == 2 and problem is not None
    assert (problem.seq, problem.problem) == (3, "content_mismatch")


def test_altered_fields_are_named(items: list[dict[str, object]]) -> None:
    bad = copy.deepcopy(items)
    bad[1]["title"] = "改过的标题"
    _count, problem = chain.verify_items(bad, head=_head(items))
    assert problem is not None and (problem.seq, problem.problem) == (2, "hash_mismatch")


def test_a_rehashed_item_breaks_the_next_link(items: list[dict[str, object]]) -> None:
    # Whoever rewrites an item and its hash still breaks the next item's prev_hash.
    bad = copy.deepcopy(items)
    bad[1]["title"] = "改过的标题"
    bad[1]["hash"] = chain.link_hash(bad[1])
    _count, problem = chain.verify_items(bad, head=_head(items))
    assert problem is not None and (problem.seq, problem.problem) == (3, "broken_link")


def test_missing_and_reordered_items_are_named(items: list[dict[str, object]]) -> None:
    _count, problem = chain.verify_items(items[:2] + items[3:], head=_head(items))
    assert problem is not None and (problem.seq, problem.problem) == (3, "missing_item")
    _count, problem = chain.verify_items([items[0], items[2], items[1], *items[3:]], head=_head(items))
    assert problem is not None and (problem.seq, problem.problem) == (2, "missing_item")


def test_a_missing_tail_is_caught_by_the_head(items: list[dict[str, object]]) -> None:
    count, problem = chain.verify_items(items[:-1], head=_head(items))
    assert count == 4 and problem is not None
    assert (problem.seq, problem.problem) == (4, "head_mismatch")
