"""Appending to a scheme's chain: seal entries, insert them, move the head and the balances.

Callers hold the accounts' locks (and the goods'); ``append`` takes the scheme's chain head last,
as the domain's lock order says (redemption → accounts by id → goods by id → head). On PostgreSQL
an append is one statement, sealed by the database (``_append_merged``); elsewhere the portable
path does the same writes one by one and seals in Python (``chain.seal``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import connection
from django.db.models import F

from sanzhi.points import sql
from sanzhi.points.chain import seal, sealing_parts
from sanzhi.points.models import Account, Entry, Rule


@dataclass
class Line:
    """An entry about to be appended (the fields a service decides; the chain adds the rest)."""

    account: Account
    kind: str
    month: str
    rule: Rule | None = None
    category_id: int | None = None
    target: Entry | None = None
    redemption_id: int | None = None
    claimed: int = 0
    total_delta: int = 0
    redeemable_delta: int = 0
    note: str = ""
    council: str = ""
    evidence: UploadedFile | None = None
    evidence_sha256: str = ""
    # The claim this line decides is an earlier line of the same append (record + approve at once).
    target_line: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Prelude:
    """Writes that must come before the head's lock, sent in the append's statement (PostgreSQL
    only): CTEs that the head query joins, so they run before it locks the head; the columns they
    return, handed to ``done`` with the sealed entries; and ``redemption``, an expression over the
    joins for the entries' redemption id, which their hashes cover."""

    ctes: list[str]
    params: list[Any]
    joins: str
    returns: str
    done: Callable[[Sequence[Any], list[Entry]], None]
    redemption: str = ""


def append(
    *,
    scheme_id: int,
    lines: Sequence[Line],
    actor: Any,
    now: dt.datetime,
    apply_deltas: bool = True,
    prelude: Prelude | None = None,
) -> list[Entry]:
    """Seal and insert lines at the end of the scheme's chain and apply their deltas.

    Callers hold the accounts' locks already (and the goods'); the head is locked here, last.
    """
    if not lines:
        return []
    recorder = actor if getattr(actor, "is_authenticated", False) else None
    entries = [_entry(scheme_id, line, recorder, now) for line in lines]
    for entry, line in zip(entries, lines, strict=True):
        if line.evidence is not None:
            # Stored before the head lock: the upload's write time stays outside the queue.
            entry.evidence.save(line.evidence.name or "evidence", line.evidence, save=False)
    if prelude is not None or (connection.vendor == "postgresql" and len(entries) <= _MERGE_MAX):
        _append_merged(scheme_id, entries, lines, apply_deltas, prelude)
        return entries
    if apply_deltas:
        # The accounts are locked already, so the balances can move before the head is taken:
        # the head, the one row every writer of the scheme queues on, is held only for the inserts.
        _apply_deltas(entries)
    with sql.cursor() as cursor:
        cursor.execute(_HEAD_LOCK + sql.for_update(), [scheme_id])
        seq, prev = cursor.fetchone()
    unsaved: list[Entry] = []
    for entry, line in zip(entries, lines, strict=True):
        if line.target_line is not None:
            target = entries[line.target_line]
            if target.pk is None:  # its id goes into this entry's hash: insert what came before
                sql.insert(Entry, unsaved)
                unsaved = []
            entry.target = target
        seq += 1
        prev = seal(entry, seq=seq, prev_hash=prev)
        unsaved.append(entry)
    sql.insert(Entry, unsaved)
    with sql.cursor() as cursor:
        cursor.execute(_HEAD_MOVE, [seq, prev, scheme_id])
    return entries


# A service's append (a claim and its approval, a redemption, a reversal) goes to PostgreSQL as one
# statement; a review batch larger than this takes the portable path.
_MERGE_MAX = 20


def _append_merged(
    scheme_id: int, entries: list[Entry], lines: Sequence[Line], apply_deltas: bool, prelude: Prelude | None
) -> None:
    """``append`` on PostgreSQL in one statement, sealed by the database: move the balances, lock
    the head, draw the entries' ids from their sequence, hash each entry onto the chain from the
    text ``chain.sealing_parts`` encodes around what only the database knows (its seq and prev_hash,
    the claim an approval decides, the redemption the prelude inserts), insert the entries and move
    the head. The same rows, locks and hashes as the portable path, which needs up to six
    statements for an award; the head is held from its lock to the commit, nothing else between.

    The balance updates are CTEs nothing reads: PostgreSQL runs them to the end with the statement.
    They touch only rows of accounts this transaction has locked already, so no writer can be
    queued on them while it holds the head.
    """
    ctes: list[str] = list(prelude.ctes) if prelude else []
    params: list[Any] = list(prelude.params) if prelude else []
    if apply_deltas:
        totals, by_category = _deltas(entries)
        if len(totals) == 1:
            ((account_id, (total, redeemable)),) = totals.items()
            ctes.append(f"a AS ({_ACCOUNT_MOVE})")
            params += [total, redeemable, account_id]
        elif totals:
            ctes.append(
                "a AS (UPDATE points_account x SET total = x.total + v.t, redeemable = x.redeemable + v.r"
                f" FROM (VALUES {', '.join(['(%s, %s, %s)'] * len(totals))}) v(id, t, r) WHERE x.id = v.id)"
            )
            params += [v for account_id, (t, r) in totals.items() for v in (account_id, t, r)]
        if by_category:
            ctes.append(
                f"c AS ({_CATEGORY_UPSERT.format(rows=', '.join(['(%s, %s, %s)'] * len(by_category)))})"
            )
            params += [v for (a, c), points in by_category.items() for v in (a, c, points)]
    ctes.append(
        "h AS ("
        + _HEAD_LOCK_WITH_IDS.format(
            sequence=_entry_sequence(),
            redemption=prelude.redemption if prelude and prelude.redemption else "NULL::bigint",
            returns=f", {prelude.returns}" if prelude else "",
            joins=f", {prelude.joins}" if prelude else "",
        )
        + ")"
    )
    params += [len(entries), scheme_id]
    definitions, columns = sql.recordset(Entry, _SEALED)
    extra = []
    for n, (entry, line) in enumerate(zip(entries, lines, strict=True), 1):
        p0, p1, p2 = sealing_parts(entry)
        target_n = line.target_line + 1 if line.target_line is not None else None
        extra.append({"n": n, "target_n": target_n, "p0": p0, "p1": p1, "p2": p2})
    ctes.append(
        f"x AS (SELECT * FROM json_to_recordset(%s::json) AS x(n int, target_n int, p0 text, p1 text,"
        f" p2 text, {definitions}))"
    )
    params.append(sql.records(Entry, entries, _SEALED, extra=extra))
    ctes.append(_SEAL)
    ctes.append(_insert_sealed(columns))
    params += [scheme_id, len(entries)]
    with sql.cursor() as cursor:
        cursor.execute(f"WITH RECURSIVE {', '.join(ctes)} {_HEAD_MOVE_SEALED}", params)
        hashes, seq, prev, ids, _redemption, *returned = cursor.fetchone()
    if prelude:
        prelude.done(returned, entries)
    for entry, line, pk, hash_ in zip(entries, lines, ids, hashes, strict=True):
        if line.target_line is not None:
            entry.target = entries[line.target_line]
        seq += 1
        entry.seq, entry.prev_hash, entry.hash = seq, prev, hash_
        prev = hash_
        entry.pk = pk
    sql.saved(entries, ids)


def _apply_deltas(entries: Iterable[Entry]) -> None:
    """Move the cached balances by the entries' deltas: one statement for the accounts and one for
    the category balances, however large the batch (the callers hold the accounts' locks)."""
    totals, by_category = _deltas(entries)
    if len(totals) == 1:
        ((account_id, (total, redeemable)),) = totals.items()
        with sql.cursor() as cursor:
            cursor.execute(_ACCOUNT_MOVE, [total, redeemable, account_id])
    elif totals:
        moved = []
        for account_id, (total, redeemable) in totals.items():
            account = Account(pk=account_id)
            account.total = F("total") + total
            account.redeemable = F("redeemable") + redeemable
            moved.append(account)
        Account.objects.bulk_update(moved, ["total", "redeemable"])
    # One upsert adds each delta to its row (or starts the row): no read, and the accounts' locks
    # serialise these rows anyway.
    items = list(by_category.items())
    with sql.cursor(prepared=len(items) == 1) as cursor:
        for start in range(0, len(items), 1000):
            chunk = items[start : start + 1000]
            cursor.execute(
                _CATEGORY_UPSERT.format(rows=", ".join(["(%s, %s, %s)"] * len(chunk))),
                [v for (a, c), points in chunk for v in (a, c, points)],
            )


def _entry(scheme_id: int, line: Line, recorder: Any, now: dt.datetime) -> Entry:
    """The line's entry, its relations given by id and their objects cached (what assigning the
    objects would do, without the related descriptors' checks: every object here is from the
    default database)."""
    entry = sql.new(
        Entry,
        scheme_id=scheme_id,
        account_id=line.account.pk,
        kind=line.kind,
        rule_id=line.rule.pk if line.rule is not None else None,
        category_id=line.category_id,
        target_id=line.target.pk if line.target is not None else None,
        redemption_id=line.redemption_id,
        claimed=line.claimed,
        total_delta=line.total_delta,
        redeemable_delta=line.redeemable_delta,
        month=line.month,
        note=line.note,
        council=line.council,
        evidence_sha256=line.evidence_sha256,
        recorded_by_id=recorder.pk if recorder is not None else None,
        recorded_at=now,
    )
    _ENTRY_ACCOUNT.set_cached_value(entry, line.account)
    _ENTRY_RULE.set_cached_value(entry, line.rule)
    _ENTRY_TARGET.set_cached_value(entry, line.target)
    _ENTRY_RECORDED_BY.set_cached_value(entry, recorder)
    return entry


_ENTRY_ACCOUNT = Entry._meta.get_field("account")
_ENTRY_RULE = Entry._meta.get_field("rule")
_ENTRY_TARGET = Entry._meta.get_field("target")
_ENTRY_RECORDED_BY = Entry._meta.get_field("recorded_by")


def _deltas(entries: Iterable[Entry]) -> tuple[dict[int, list[int]], dict[tuple[int, int], int]]:
    """(total, redeemable) to add per account; points to add per (account, category)."""
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    by_category: dict[tuple[int, int], int] = defaultdict(int)
    for entry in entries:
        if entry.total_delta or entry.redeemable_delta:
            totals[entry.account_id][0] += entry.total_delta
            totals[entry.account_id][1] += entry.redeemable_delta
        if entry.total_delta and entry.category_id:
            by_category[(entry.account_id, entry.category_id)] += entry.total_delta
    return totals, by_category


_HEAD_LOCK = "SELECT head_seq, head_hash FROM points_scheme WHERE id = %s"
# PostgreSQL: the head and the ids the entries will have, from the entries' own sequence (in order,
# as a multi-row INSERT would draw them), so an approval's hash can hold its claim's id before
# either is inserted; with the id of what a prelude inserted for the entries (a redemption).
_HEAD_LOCK_WITH_IDS = (
    "SELECT s.head_seq, s.head_hash, ARRAY(SELECT nextval('{sequence}'::regclass)"
    " FROM generate_series(1, %s)) AS ids, {redemption} AS redemption{returns}"
    " FROM points_scheme s{joins} WHERE s.id = %s FOR UPDATE OF s"
)
# The chain from the head: entry n's hash over its parts (x, from chain.sealing_parts) with its seq,
# the claim it decides (its own target_id, or the id drawn in h for the line it names), its
# redemption and the hash before it (chain.sealed_hash says the same in Python).
_SEAL = (
    "k (n, seq, hash, prev, target, redemption) AS ("
    "SELECT 0, h.head_seq, h.head_hash::text, NULL::text, NULL::bigint, NULL::bigint FROM h"
    " UNION ALL SELECT x.n, k.seq + 1, encode(sha256(convert_to(concat(x.p0, k.seq + 1, x.p1,"
    " coalesce(t.target::text, 'null'), ',', coalesce(t.redemption::text, 'null'), x.p2, k.hash, '\"]'),"
    " 'UTF8')), 'hex'), k.hash, t.target, t.redemption"
    " FROM k INNER JOIN x ON x.n = k.n + 1 CROSS JOIN h CROSS JOIN LATERAL (SELECT"
    " coalesce(x.target_id, h.ids[x.target_n]) AS target,"
    " coalesce(x.redemption_id, h.redemption) AS redemption) t)"
)
# The columns the database fills in (the id too); the rest come in x.
_SEALED = ("seq", "prev_hash", "hash")
_FROM_CHAIN = {'"target_id"', '"redemption_id"'}


def _insert_sealed(columns: list[str]) -> str:
    rest = [c for c in columns if c not in _FROM_CHAIN]
    return (
        "e AS (INSERT INTO points_entry (id, seq, prev_hash, hash, target_id, redemption_id,"
        f" {', '.join(rest)}) SELECT h.ids[x.n], k.seq, k.prev, k.hash, k.target, k.redemption,"
        f" {', '.join('x.' + c for c in rest)} FROM x INNER JOIN k ON k.n = x.n CROSS JOIN h)"
    )


_HEAD_MOVE_SEALED = (
    "UPDATE points_scheme s SET head_seq = k.seq, head_hash = k.hash FROM k, h WHERE s.id = %s AND k.n = %s"
    " RETURNING (SELECT array_agg(j.hash ORDER BY j.n) FROM k j WHERE j.n > 0), h.*"
)
_sequences: dict[str, str] = {}


def _entry_sequence() -> str:
    """The entries' id sequence (asked once per database), as a quoted literal's content."""
    name = str(connection.settings_dict["NAME"])
    found = _sequences.get(name)
    if found is None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [Entry._meta.db_table])
            found = _sequences[name] = str(cursor.fetchone()[0]).replace("'", "''")
    return found


_HEAD_MOVE = "UPDATE points_scheme SET head_seq = %s, head_hash = %s WHERE id = %s"
_ACCOUNT_MOVE = "UPDATE points_account SET total = total + %s, redeemable = redeemable + %s WHERE id = %s"
_CATEGORY_UPSERT = (
    "INSERT INTO points_categorybalance (account_id, category_id, points) VALUES {rows}"
    " ON CONFLICT (account_id, category_id) DO UPDATE"
    " SET points = points_categorybalance.points + excluded.points"
)
