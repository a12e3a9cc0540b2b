"""The chain's hash, two ways: Python seals an entry (``chain.seal``, the portable path) and
PostgreSQL seals it from the text ``chain.sealing_parts`` encodes around what only the database
knows (``appending._append_merged``). Both must hash the same bytes, or verify fails later."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sanzhi.points.chain import entry_hash, sealed_hash, sealing_parts
from sanzhi.points.ledger import points_record
from sanzhi.points.models import Entry, EntryKind
from sanzhi.points.reconcile import verify
from sanzhi.points.store import redeem
from sanzhi.points.testing import PointsWorld

# Text as a user may type or paste it: quotes, backslashes, control characters, CJK, emoji,
# line and paragraph separators (no NUL, no lone surrogates: neither can be stored).
TEXT = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=40)
IDS = st.none() | st.integers(1, 2**53)
HEX = st.text("0123456789abcdef", min_size=64, max_size=64)


@given(
    ids=st.tuples(st.integers(1, 2**31), st.integers(1, 2**31), IDS, IDS, IDS, IDS, IDS),
    numbers=st.tuples(
        st.integers(-(2**31), 2**31), st.integers(-(2**31), 2**31), st.integers(-(2**31), 2**31)
    ),
    kind=st.sampled_from(list(EntryKind)),
    texts=st.tuples(TEXT, TEXT, TEXT),
    seq=st.integers(1, 2**62),
    prev=HEX,
    at=st.datetimes(timezones=st.sampled_from([dt.UTC, ZoneInfo("Asia/Shanghai")])),
)
def test_the_database_formula_hashes_what_python_hashes(
    ids: tuple[int, ...],
    numbers: tuple[int, int, int],
    kind: str,
    texts: tuple[str, str, str],
    seq: int,
    prev: str,
    at: dt.datetime,
) -> None:
    scheme, account, rule, category, target, redemption, recorder = ids
    entry = Entry(
        scheme_id=scheme,
        seq=seq,
        account_id=account,
        kind=kind,
        rule_id=rule,
        category_id=category,
        target_id=target,
        redemption_id=redemption,
        claimed=numbers[0],
        total_delta=numbers[1],
        redeemable_delta=numbers[2],
        month=texts[2][:7],
        note=texts[0],
        council=texts[1],
        evidence_sha256=prev[:32],
        recorded_by_id=recorder,
        recorded_at=at,
        prev_hash=prev,
    )
    assert sealed_hash(sealing_parts(entry), seq, target, redemption, prev) == entry_hash(entry)


NASTY = 'He said "好"\\ then\nleft\t\x01\x1f\u2028 👍 — 邻里互助'


@pytest.mark.django_db
def test_appended_entries_carry_the_hash_python_computes(pw: PointsWorld) -> None:
    """On PostgreSQL the database sealed these (an award with its approval in one append, a
    redemption whose id only the database knew); elsewhere Python did. Either way the hashes are
    Python's and the chain verifies."""
    town, h1 = pw.town, pw.accounts["h1"]
    award = points_record(
        actor=town.secretary,
        account_id=h1.pk,
        rule_id=pw.rules["helping"].pk,
        points=30,
        note=NASTY,
        approve=True,
    )
    redemption = redeem(
        actor=town.secretary, account_id=h1.pk, goods_id=pw.goods["洗衣粉"].pk, request_key="k"
    )
    entries = list(Entry.objects.filter(scheme=pw.scheme).order_by("seq"))
    assert [(e.kind, e.seq) for e in entries] == [
        (EntryKind.AWARD, 1),
        (EntryKind.APPROVAL, 2),
        (EntryKind.REDEMPTION, 3),
    ]
    claim, approval, spent = entries
    assert claim.note == NASTY and claim.pk == award.pk and approval.target_id == claim.pk
    assert spent.redemption_id == redemption.pk
    prev = "0" * 64
    for entry in entries:
        assert entry.prev_hash == prev and entry.hash == entry_hash(entry)
        prev = entry.hash
    pw.scheme.refresh_from_db()
    assert (pw.scheme.head_seq, pw.scheme.head_hash) == (3, spent.hash)
    # What the service handed back is what was stored.
    assert (award.seq, award.hash, award.prev_hash) == (1, claim.hash, "0" * 64)
    assert verify() == []
