"""The hash chain of a scheme's ledger: each entry's hash covers its fields and the previous hash.

``verify_chain`` walks a scheme in ``seq`` order with a server-side cursor (constant memory) and
names the first broken link: a changed field, a removed or inserted entry, a head that does not
match the last entry.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import operator
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sanzhi.points.models import GENESIS_HASH, Entry, Scheme

# The fields a hash covers, in order. Adding one is a new chain version, never an edit.
HASHED_FIELDS = (
    "scheme_id",
    "seq",
    "account_id",
    "kind",
    "rule_id",
    "category_id",
    "target_id",
    "redemption_id",
    "claimed",
    "total_delta",
    "redeemable_delta",
    "month",
    "note",
    "council",
    "evidence_sha256",
    "recorded_by_id",
    "recorded_at",
    "prev_hash",
)


def _canonical(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return value


# What json.dumps(..., ensure_ascii=False, separators=(",", ":")) builds on every call, built once.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_hashed = operator.attrgetter(*HASHED_FIELDS)


def hash_values(values: Iterable[Any]) -> str:
    payload = _ENCODER.encode([_canonical(v) for v in values])
    return hashlib.sha256(payload.encode()).hexdigest()


def entry_hash(entry: Entry) -> str:
    return hash_values(_hashed(entry))


# On PostgreSQL the database seals an append (``appending._append_merged``): the head, the entries'
# ids and a redemption's id are known only there. These are the hashed fields it fills in; the
# text between them is encoded here, by the same encoder, so both ways hash the same bytes.
_SEQ, _TARGET, _REDEMPTION, _PREV = 1, 6, 7, len(HASHED_FIELDS) - 1
if tuple(HASHED_FIELDS[i] for i in (_SEQ, _TARGET, _REDEMPTION, _PREV)) != (
    "seq",
    "target_id",
    "redemption_id",
    "prev_hash",
):
    raise ImportError("chain.sealing_parts assumes where seq, target_id, redemption_id and prev_hash lie")


def sealing_parts(entry: Entry) -> tuple[str, str, str]:
    """The canonical array's text around what the database fills in: (before ``seq``; between
    ``seq`` and ``target_id``; between ``redemption_id`` and ``prev_hash``'s hex digits). The
    payload is ``p0 + seq + p1 + target + "," + redemption + p2 + prev_hash + '"]'``, each of
    ``target`` and ``redemption`` a number or ``null`` (``sealed_hash``)."""
    values = _hashed(entry)
    encode = _ENCODER.encode
    return (
        f"[{encode(values[0])},",
        f",{encode(values[_SEQ + 1 : _TARGET])[1:-1]},",
        f',{encode([_canonical(v) for v in values[_REDEMPTION + 1 : _PREV]])[1:-1]},"',
    )


def sealed_hash(
    parts: tuple[str, str, str], seq: int, target: int | None, redemption: int | None, prev: str
) -> str:
    """What the database computes from ``sealing_parts`` (``appending._SEAL``), in Python."""
    p0, p1, p2 = parts
    payload = f'{p0}{seq}{p1}{_json_int(target)},{_json_int(redemption)}{p2}{prev}"]'
    return hashlib.sha256(payload.encode()).hexdigest()


def _json_int(value: int | None) -> str:
    return "null" if value is None else str(value)


def seal(entry: Entry, *, seq: int, prev_hash: str) -> str:
    """Give an unsaved entry its place in the chain; returns its hash (the new head)."""
    entry.seq = seq
    entry.prev_hash = prev_hash
    entry.hash = entry_hash(entry)
    return entry.hash


@dataclass(frozen=True)
class ChainProblem:
    scheme_id: int
    seq: int
    problem: str  # hash_mismatch / broken_link / missing_entry / head_mismatch
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {"scheme": self.scheme_id, "seq": self.seq, "problem": self.problem, "detail": self.detail}


def _rows(scheme_id: int, chunk: int) -> Iterator[tuple[Any, ...]]:
    fields = [name for name in HASHED_FIELDS] + ["hash"]
    yield from (
        Entry.objects.filter(scheme_id=scheme_id)
        .order_by("seq")
        .values_list(*fields)
        .iterator(chunk_size=chunk)
    )


def verify_chain(scheme: Scheme, *, chunk: int = 5000) -> ChainProblem | None:
    """The first problem in one scheme's chain, or None when every link and the head hold."""
    expected_seq, prev = 1, GENESIS_HASH
    seq_at = HASHED_FIELDS.index("seq")
    prev_at = HASHED_FIELDS.index("prev_hash")
    for row in _rows(scheme.pk, chunk):
        values, stored = row[:-1], row[-1]
        seq = values[seq_at]
        if seq != expected_seq:
            return ChainProblem(
                scheme.pk, expected_seq, "missing_entry", f"expected entry {expected_seq}, found {seq}"
            )
        if values[prev_at] != prev:
            return ChainProblem(scheme.pk, seq, "broken_link", "prev_hash does not match the entry before")
        if hash_values(values) != stored:
            return ChainProblem(
                scheme.pk, seq, "hash_mismatch", "the entry's content does not match its hash"
            )
        prev, expected_seq = stored, expected_seq + 1
    if scheme.head_seq != expected_seq - 1 or scheme.head_hash != prev:
        return ChainProblem(
            scheme.pk,
            expected_seq - 1,
            "head_mismatch",
            f"head says #{scheme.head_seq}, the chain ends at #{expected_seq - 1}",
        )
    return None
