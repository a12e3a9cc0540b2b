"""Ledger services: open accounts, record claims, approve/reject them in the review, reverse them.

Every write locks in the one order of the points domain — redemption → accounts (by id) → goods
(by id) → the scheme's chain head — so concurrent writers queue instead of deadlocking, and the
head is held only for the last inserts. Balances move only with an entry whose deltas say so,
in the same transaction; deductions and reversals are clamped so no balance goes below zero.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanzhi.accounts.models import RoleAssignment
from sanzhi.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from sanzhi.points import rules, sql
from sanzhi.points.appending import Line, append
from sanzhi.points.models import (
    Account,
    Entry,
    EntryKind,
    Evidence,
    Rule,
    RuleCategory,
    Scheme,
)
from sanzhi.points.periods import month_keys, period_of

MAX_NOTE = 500
MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
EVIDENCE_TYPES = {"image/jpeg", "image/png", "image/webp", "image/heic", "image/heif"}


def month_of(when: dt.datetime | dt.date) -> str:
    day = timezone.localtime(when).date() if isinstance(when, dt.datetime) else when
    return f"{day:%Y-%m}"


def lock_accounts(account_ids: Iterable[int], *, actor: Any = None) -> dict[int, Account]:
    """Lock accounts in id order (the domain's lock order) and return them fresh. With ``actor``,
    the actor's role assignments come in the same statement where they are still to be loaded."""
    ids = sorted(set(account_ids))
    if not ids:
        return {}
    roles, roles_params = _roles_column(actor)
    with sql.cursor(prepared=len(ids) <= 2) as cursor:
        cursor.execute(
            f"SELECT {sql.columns(Account, 'a')}, {sql.columns(Scheme, 's')}{roles}"
            " FROM points_account a INNER JOIN points_scheme s ON s.id = a.scheme_id"
            f" WHERE a.id IN ({', '.join(['%s'] * len(ids))}) ORDER BY a.id" + sql.for_update_of("a"),
            [*roles_params, *ids],
        )
        rows = cursor.fetchall()
    if roles and rows:
        _remember_roles(actor, rows[0][-1])
    accounts = {}
    for row in rows:
        account = _account_with_scheme(row)
        accounts[account.pk] = account
    if len(accounts) != len(ids):
        raise NotFound(_("积分账户不存在"), code="points_account_not_found")
    return accounts


def _roles_column(actor: Any) -> tuple[str, list[Any]]:
    """PostgreSQL: one more column for a lock statement, the actor's role assignments, when this
    request has not loaded them yet: what ``accounts.scoping.assignments_of`` would ask right after
    the lock, without its own round trip. The rows are the same (role, node_path, node_id)."""
    if (
        actor is None
        or connection.vendor != "postgresql"
        or not getattr(actor, "is_authenticated", False)
        or getattr(actor, _ROLES_CACHE, None) is not None
    ):
        return "", []
    return _ROLES_COLUMN, [actor.pk]


def _remember_roles(actor: Any, found: str | None) -> None:
    setattr(actor, _ROLES_CACHE, [tuple(row) for row in json.loads(found or "[]")])


_ROLES_CACHE = "_sanzhi_assignments"  # where assignments_of keeps them on the user object
_ROLES_COLUMN = (
    ", (SELECT json_agg(json_build_array(ra.role, ra.node_path, ra.node_id))::text"
    f" FROM {RoleAssignment._meta.db_table} ra WHERE ra.user_id = %s)"
)


def _account_with_scheme(row: Sequence[Any]) -> Account:
    account = sql.build(Account, row)
    _ACCOUNT_SCHEME.set_cached_value(account, sql.build(Scheme, row, sql.width(Account)))
    return account


def _lock_account_and_rule(account_id: int, rule_id: int, actor: Any = None) -> tuple[Account, Rule | None]:
    """Lock one account (with its scheme) and fetch a rule of its scheme (with its category) in one
    statement; the rule is None when it is not the scheme's. (With ``actor``: see lock_accounts.)"""
    roles, roles_params = _roles_column(actor)
    with sql.cursor() as cursor:
        cursor.execute(
            f"SELECT {sql.columns(Account, 'a')}, {sql.columns(Scheme, 's')},"
            f" {sql.columns(Rule, 'r')}, {sql.columns(RuleCategory, 'c')}{roles}"
            " FROM points_account a INNER JOIN points_scheme s ON s.id = a.scheme_id"
            " LEFT JOIN points_rule r ON r.id = %s AND r.scheme_id = a.scheme_id"
            " LEFT JOIN points_rulecategory c ON c.id = r.category_id"
            " WHERE a.id = %s" + sql.for_update_of("a"),
            [*roles_params, rule_id, account_id],
        )
        row = cursor.fetchone()
    if row is None:
        raise NotFound(_("积分账户不存在"), code="points_account_not_found")
    if roles:
        _remember_roles(actor, row[-1])
    account = _account_with_scheme(row)
    at = sql.width(Account) + sql.width(Scheme)
    if row[at] is None:
        return account, None
    rule = sql.build(Rule, row, at)
    _RULE_SCHEME.set_cached_value(rule, account.scheme)
    _RULE_CATEGORY.set_cached_value(rule, sql.build(RuleCategory, row, at + sql.width(Rule)))
    return account, rule


_ACCOUNT_SCHEME = Account._meta.get_field("scheme")
_RULE_SCHEME = Rule._meta.get_field("scheme")
_RULE_CATEGORY = Rule._meta.get_field("category")


# ---------------------------------------------------------------- claims


def _evidence_digest(evidence: UploadedFile) -> str:
    if evidence.size and evidence.size > MAX_EVIDENCE_BYTES:
        raise ValidationFailed(_("佐证照片不能超过 10 MB"), code="points_evidence_too_large")
    if (evidence.content_type or "") not in EVIDENCE_TYPES:
        raise ValidationFailed(_("佐证只接受 JPEG、PNG、WebP 或 HEIC 照片"), code="points_evidence_type")
    digest = hashlib.sha256()
    for chunk in evidence.chunks():
        digest.update(chunk)
    evidence.seek(0)
    return digest.hexdigest()


def _check_claim(rule: Rule, points: int | None, note: str, evidence: UploadedFile | None) -> int:
    if not rule.active or not rule.scheme.active:
        raise ValidationFailed(_("该积分细则已停用"), code="points_rule_inactive")
    if points is None:
        if not rule.fixed:
            raise ValidationFailed(
                _("该细则的分值在 {low} 到 {high} 之间，请填写分值").format(
                    low=rule.points_min, high=rule.points_max
                ),
                code="points_value_required",
            )
        points = rule.points_min
    if not rule.points_min <= points <= rule.points_max or points == 0:
        raise ValidationFailed(
            _("分值 {points} 不在该细则允许的范围（{low} 到 {high}）内").format(
                points=points, low=rule.points_min, high=rule.points_max
            ),
            code="points_value_out_of_range",
            data={"min": rule.points_min, "max": rule.points_max},
        )
    if len(note) > MAX_NOTE:
        raise ValidationFailed(_("说明不能超过 500 字"), code="points_note_too_long")
    need = rule.evidence
    missing = (
        (need == Evidence.PHOTO and evidence is None)
        or (need == Evidence.NOTE and not note)
        or (need == Evidence.PHOTO_OR_NOTE and evidence is None and not note)
    )
    if missing:
        raise ValidationFailed(
            _("该细则需要佐证：{evidence}").format(evidence=Evidence(need).label),
            code="points_evidence_required",
        )
    return points


def _check_caps(account: Account, rule: Rule, points: int, month: str) -> None:
    scheme = account.scheme
    review = period_of(dt.date.fromisoformat(month + "-01"), scheme.review_period)
    months = month_keys(review)
    rule_cap, period_cap = rule.cap_per_period, scheme.period_cap
    if rule_cap is None and (period_cap is None or points <= 0):
        return
    # The claims of the review period that were not turned down: how many under this rule, and
    # the sum of their positive points, in one statement.
    with sql.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(SUM(CASE WHEN e.rule_id = %s THEN 1 ELSE 0 END), 0),"
            " COALESCE(SUM(CASE WHEN e.claimed > 0 THEN e.claimed ELSE 0 END), 0)"
            " FROM points_entry e WHERE e.account_id = %s AND e.kind = %s"
            f" AND e.month IN ({', '.join(['%s'] * len(months))})"
            " AND NOT EXISTS (SELECT 1 FROM points_entry f WHERE f.target_id = e.id AND f.kind = %s)",
            [rule.pk, account.pk, EntryKind.AWARD.value, *months, EntryKind.REJECTION.value],
        )
        count, so_far = cursor.fetchone()
    if rule_cap is not None and count >= rule_cap:
        raise Conflict(
            _("本周期该细则最多记 {cap} 次").format(cap=rule_cap),
            code="points_rule_cap_reached",
            data={"cap": rule_cap, "period": review.key},
        )
    if period_cap is not None and points > 0:
        so_far = int(so_far)
        if so_far + points > period_cap:
            raise Conflict(
                _("本周期积分已达上限 {cap} 分（已记 {so_far} 分）").format(cap=period_cap, so_far=so_far),
                code="points_period_cap_reached",
                data={"cap": period_cap, "so_far": so_far, "period": review.key},
            )


@transaction.atomic
def points_record(
    *,
    actor: Any,
    account_id: int,
    rule_id: int,
    points: int | None = None,
    note: str = "",
    evidence: UploadedFile | None = None,
    day: dt.date | None = None,
    approve: bool = False,
    now: dt.datetime | None = None,
) -> Entry:
    """一事一记录: a claim under a rule for one account, pending the review.

    ``approve=True`` approves it in the same transaction when the actor may review and the rule
    needs no council (a reviewer recording on the spot). ``day`` is the day of the deed (its
    review month); by default today.
    """
    now = now or timezone.now()
    note = (note or "").strip()
    account, found = _lock_account_and_rule(account_id, rule_id, actor)
    if actor is not None and not rules.can_record(actor, account):
        raise NotFound(_("积分账户不存在"), code="points_account_not_found")
    if found is None:
        raise ValidationFailed(_("该积分细则不属于本方案"), code="points_rule_not_found")
    rule = found
    points = _check_claim(rule, points, note, evidence)
    today = timezone.localtime(now).date()
    day = day or today
    if day > today:
        raise ValidationFailed(_("不能为将来的日期记分"), code="points_future_day")
    month = month_of(day)
    _check_caps(account, rule, points, month)
    digest = _evidence_digest(evidence) if evidence is not None else ""
    lines = [
        Line(
            account=account,
            kind=EntryKind.AWARD,
            month=month,
            rule=rule,
            category_id=rule.category_id,
            claimed=points,
            note=note,
            evidence=evidence,
            evidence_sha256=digest,
        )
    ]
    if approve:
        if rule.council:
            raise Forbidden(
                _("该细则须经{council}审批").format(council=rule.council), code="points_council_required"
            )
        if actor is not None and not rules.can_review(actor, account):
            raise Forbidden(_("您不能审核该申报"), code="forbidden")
        total, redeemable = approval_deltas(points, account.total, account.redeemable)
        lines.append(
            Line(
                account=account,
                kind=EntryKind.APPROVAL,
                month=month,
                rule=rule,
                category_id=rule.category_id,
                target_line=0,
                total_delta=total,
                redeemable_delta=redeemable,
            )
        )
    return append(scheme_id=account.scheme_id, lines=lines, actor=actor, now=now)[0]


# ---------------------------------------------------------------- the review


def approval_deltas(claimed: int, total: int, redeemable: int) -> tuple[int, int]:
    """What an approved claim does to (total, redeemable): an award adds to both; a deduction takes
    from both, but never more than there is."""
    if claimed >= 0:
        return claimed, claimed
    return -min(-claimed, total), -min(-claimed, redeemable)


@transaction.atomic
def points_decide(
    *,
    actor: Any,
    entry_ids: Sequence[int],
    approve: bool,
    council: str = "",
    note: str = "",
    now: dt.datetime | None = None,
) -> list[Entry]:
    """The review (一月一审核): approve or reject pending claims, one or a batch, all or nothing.

    A claim whose rule names a council (道德评议会) is approved only by a council member, with
    ``council`` naming it; an ordinary reviewer's batch must leave those out.
    """
    now = now or timezone.now()
    note = (note or "").strip()[:MAX_NOTE]
    ids = sorted(set(entry_ids))
    if not ids:
        raise ValidationFailed(_("请选择要审核的积分申报"), code="points_nothing_selected")
    claims = list(Entry.objects.select_related("rule").filter(pk__in=ids, kind=EntryKind.AWARD))
    if len(claims) != len(ids):
        raise NotFound(_("积分申报不存在"), code="points_entry_not_found")
    scheme_ids = {c.scheme_id for c in claims}
    if len(scheme_ids) != 1:
        raise ValidationFailed(_("一次只能审核一个方案的申报"), code="points_mixed_schemes")
    accounts = lock_accounts(c.account_id for c in claims)
    decided = set(
        Entry.objects.filter(
            target_id__in=ids, kind__in=[EntryKind.APPROVAL, EntryKind.REJECTION]
        ).values_list("target_id", flat=True)
    )
    if decided:
        raise Conflict(
            _("{n} 条申报已审核过").format(n=len(decided)),
            code="points_already_decided",
            data={"entries": sorted(decided)},
        )
    lines: list[Line] = []
    for claim in sorted(claims, key=lambda c: c.pk):
        account = accounts[claim.account_id]
        if actor is not None:
            if not rules.can_view(actor, account):
                raise NotFound(_("积分申报不存在"), code="points_entry_not_found")
            rule_council = claim.rule.council if claim.rule else ""
            # The council decides its own items either way; a reviewer may still turn one down
            # (missing proof) before it reaches the council.
            if rule_council and (approve or not rules.can_review(actor, account)):
                if not rules.can_council(actor, account):
                    raise Forbidden(
                        _("“{item}”须经{council}审批").format(
                            item=claim.rule.item if claim.rule else "", council=rule_council
                        ),
                        code="points_council_required",
                    )
            elif not rules.can_review(actor, account):
                raise Forbidden(_("您不能审核该申报"), code="forbidden")
        if approve:
            total, redeemable = approval_deltas(claim.claimed, account.total, account.redeemable)
            account.total += total
            account.redeemable += redeemable
            lines.append(
                Line(
                    account=account,
                    kind=EntryKind.APPROVAL,
                    month=claim.month,
                    rule=claim.rule,
                    category_id=claim.category_id,
                    target=claim,
                    total_delta=total,
                    redeemable_delta=redeemable,
                    note=note,
                    council=(council or (claim.rule.council if claim.rule else ""))[:40],
                )
            )
        else:
            lines.append(
                Line(
                    account=account,
                    kind=EntryKind.REJECTION,
                    month=claim.month,
                    rule=claim.rule,
                    category_id=claim.category_id,
                    target=claim,
                    note=note,
                )
            )
    return append(scheme_id=scheme_ids.pop(), lines=lines, actor=actor, now=now)


@transaction.atomic
def points_reverse(*, actor: Any, entry_id: int, note: str, now: dt.datetime | None = None) -> Entry:
    """冲正: undo an approved claim's effect with a reversal entry (the claim itself stays)."""
    now = now or timezone.now()
    note = (note or "").strip()
    if not note:
        raise ValidationFailed(_("冲正须填写原因"), code="points_reason_required")
    try:
        claim = Entry.objects.get(pk=entry_id, kind=EntryKind.AWARD)
    except Entry.DoesNotExist:
        raise NotFound(_("积分申报不存在"), code="points_entry_not_found") from None
    account = lock_accounts([claim.account_id])[claim.account_id]
    if actor is not None:
        if not rules.can_view(actor, account):
            raise NotFound(_("积分申报不存在"), code="points_entry_not_found")
        if not rules.can_review(actor, account):
            raise Forbidden(_("您不能冲正该积分"), code="forbidden")
    followups = {e.kind: e for e in Entry.objects.filter(target=claim)}
    if EntryKind.REVERSAL in followups:
        raise Conflict(_("该积分已冲正过"), code="points_already_reversed")
    approval = followups.get(EntryKind.APPROVAL)
    if approval is None:
        raise Conflict(_("该申报尚未通过审核，请驳回而不是冲正"), code="points_not_approved")
    # Undo what the approval did, as far as the balances allow (points already spent stay spent).
    total = -min(approval.total_delta, account.total) if approval.total_delta > 0 else -approval.total_delta
    redeemable = (
        -min(approval.redeemable_delta, account.redeemable)
        if approval.redeemable_delta > 0
        else -approval.redeemable_delta
    )
    (reversal,) = append(
        scheme_id=account.scheme_id,
        lines=[
            Line(
                account=account,
                kind=EntryKind.REVERSAL,
                month=claim.month,
                rule=claim.rule,
                category_id=claim.category_id,
                target=claim,
                total_delta=total,
                redeemable_delta=redeemable,
                note=note[:MAX_NOTE],
            )
        ],
        actor=actor,
        now=now,
    )
    return reversal


def claim_status(claim: Entry) -> str:
    """pending / approved / rejected / reversed, from the claim's follow-up entries."""
    kinds = {e.kind for e in claim.followups.all()}
    if EntryKind.REVERSAL in kinds:
        return "reversed"
    if EntryKind.APPROVAL in kinds:
        return "approved"
    if EntryKind.REJECTION in kinds:
        return "rejected"
    return "pending"


def pending_claims_q() -> Q:
    """Claims with no decision yet (a filter on Entry)."""
    return Q(kind=EntryKind.AWARD) & ~Q(followups__kind__in=[EntryKind.APPROVAL, EntryKind.REJECTION])
