"""开户: a holder's account in a scheme, opened once with the base score credited — one holder at a
time (``account_open``, idempotent and race-safe) or every holder of a scheme's area in batches
(``accounts_open_all``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanzhi.core.errors import Forbidden, ValidationFailed
from sanzhi.points import rules
from sanzhi.points.ledger import Line, append, month_of
from sanzhi.points.models import Account, EntryKind, Scheme, Subject


def _holder_node(scheme: Scheme, subject: str, holder: Any) -> tuple[Any, str]:
    from sanzhi.people.models import Household, Resident

    if isinstance(holder, Household):
        return holder.node, holder.address
    if isinstance(holder, Resident):
        return holder.household.node, holder.name
    # A grid worker: the node of their grid-worker role inside the scheme, else the scheme's node.
    from sanzhi.accounts.roles import Role

    assignment = (
        holder.role_assignments.filter(role=Role.GRID_WORKER, node_path__startswith=scheme.node_path)
        .select_related("node")
        .order_by("node_path")
        .first()
    )
    node = assignment.node if assignment else scheme.node
    return node, holder.display_name or holder.username


def _holder_fields(subject: str, holder: Any) -> dict[str, Any]:
    if subject == Subject.HOUSEHOLD:
        return {"household": holder}
    if subject in (Subject.RESIDENT, Subject.PARTY_MEMBER):
        return {"resident": holder}
    return {"user": holder}


def account_open(
    *, scheme: Scheme, holder: Any, actor: Any = None, now: dt.datetime | None = None
) -> Account:
    """The holder's account in the scheme, opened (with the base score credited) if it is new.

    ``holder`` is a Household, a Resident or a User, as the scheme's subject says. Idempotent and
    safe under concurrency: a second opener gets the first one's account.
    """
    now = now or timezone.now()
    fields = _holder_fields(scheme.subject, holder)
    existing = Account.objects.filter(scheme=scheme, **fields).first()
    if existing is not None:
        return existing
    _check_holder(scheme, holder)
    node, name = _holder_node(scheme, scheme.subject, holder)
    if not node.path.startswith(scheme.node_path):
        raise ValidationFailed(_("该对象不在本积分方案的辖区内"), code="points_holder_out_of_scheme")
    try:
        with transaction.atomic():
            account = Account.objects.create(
                scheme=scheme,
                subject=scheme.subject,
                node=node,
                node_path=node.path,
                name=name[:100],
                **fields,
            )
            if scheme.base_score:
                base = scheme.base_score
                append(
                    scheme_id=scheme.pk,
                    lines=[
                        Line(
                            account=Account.objects.select_for_update().get(pk=account.pk),
                            kind=EntryKind.BASE,
                            month=month_of(now),
                            claimed=base,
                            total_delta=base,
                            redeemable_delta=base if scheme.base_redeemable else 0,
                        )
                    ],
                    actor=actor,
                    now=now,
                )
                account.refresh_from_db()
            return account
    except IntegrityError:
        return Account.objects.get(scheme=scheme, **fields)


def _holders_in_scope(scheme: Scheme) -> list[tuple[dict[str, Any], Any, str]]:
    """(holder fields, node, name) for every holder of the scheme's subject under its node."""
    from sanzhi.accounts.models import RoleAssignment
    from sanzhi.accounts.roles import Role
    from sanzhi.core.fields import subtree_q
    from sanzhi.people.codes import PoliticalStatus
    from sanzhi.people.models import Household, Resident

    under = subtree_q("node_path", scheme.node_path)
    if scheme.subject == Subject.HOUSEHOLD:
        return [
            ({"household": h}, h.node, h.address)
            for h in Household.objects.filter(under).select_related("node").order_by("id")
        ]
    if scheme.subject in (Subject.RESIDENT, Subject.PARTY_MEMBER):
        residents = Resident.objects.filter(under).select_related("household__node").order_by("id")
        if scheme.subject == Subject.PARTY_MEMBER:
            residents = residents.filter(
                political_status__in=[PoliticalStatus.CPC_MEMBER, PoliticalStatus.CPC_PROBATIONARY]
            )
        return [({"resident": r}, r.household.node, r.name) for r in residents]
    seen: dict[int, tuple[dict[str, Any], Any, str]] = {}
    for a in (
        RoleAssignment.objects.filter(under, role=Role.GRID_WORKER)
        .select_related("user", "node")
        .order_by("node_path", "id")
    ):
        seen.setdefault(a.user_id, ({"user": a.user}, a.node, a.user.display_name or a.user.username))
    return list(seen.values())


@transaction.atomic
def accounts_open_all(
    *, actor: Any, scheme: Scheme, now: dt.datetime | None = None, batch: int = 2000
) -> int:
    """开户: open an account (base score credited) for every holder in the scheme's area that has
    none yet — every household, resident, party member or grid worker under its node. Returns how
    many were opened. Batched: one chain append per batch, fine for a street of 100,000 households."""
    now = now or timezone.now()
    if actor is not None and not rules.can_manage(actor, scheme):
        raise Forbidden(_("您不能为该方案开户"), code="forbidden")
    holder_field = {
        Subject.HOUSEHOLD: "household_id",
        Subject.RESIDENT: "resident_id",
        Subject.PARTY_MEMBER: "resident_id",
        Subject.GRID_WORKER: "user_id",
    }[Subject(scheme.subject)]
    have = set(Account.objects.filter(scheme=scheme).values_list(holder_field, flat=True))
    todo = [
        (fields, node, name)
        for fields, node, name in _holders_in_scope(scheme)
        if next(iter(fields.values())).pk not in have
    ]
    month = month_of(now)
    base = scheme.base_score
    base_redeemable = base if scheme.base_redeemable else 0
    for start in range(0, len(todo), batch):
        chunk = todo[start : start + batch]
        accounts = Account.objects.bulk_create(
            [
                Account(
                    scheme=scheme,
                    subject=scheme.subject,
                    node=node,
                    node_path=node.path,
                    name=name[:100],
                    total=base,
                    redeemable=base_redeemable,
                    **fields,
                )
                for fields, node, name in chunk
            ]
        )
        if scheme.base_score:
            # New rows: the balances are written with the accounts, the base entries prove them.
            append(
                scheme_id=scheme.pk,
                lines=[
                    Line(
                        account=account,
                        kind=EntryKind.BASE,
                        month=month,
                        claimed=base,
                        total_delta=base,
                        redeemable_delta=base_redeemable,
                    )
                    for account in accounts
                ],
                actor=actor,
                now=now,
                apply_deltas=False,
            )
    return len(todo)


def _check_holder(scheme: Scheme, holder: Any) -> None:
    from sanzhi.accounts.models import User
    from sanzhi.people.codes import PoliticalStatus
    from sanzhi.people.models import Household, Resident

    expected: type = {
        Subject.HOUSEHOLD: Household,
        Subject.RESIDENT: Resident,
        Subject.PARTY_MEMBER: Resident,
        Subject.GRID_WORKER: User,
    }[Subject(scheme.subject)]
    if not isinstance(holder, expected):
        raise ValidationFailed(
            _("该积分方案的对象是{subject}").format(subject=Subject(scheme.subject).label),
            code="points_wrong_subject",
        )
    if scheme.subject == Subject.PARTY_MEMBER and getattr(holder, "political_status", "") not in (
        PoliticalStatus.CPC_MEMBER,
        PoliticalStatus.CPC_PROBATIONARY,
    ):
        raise ValidationFailed(_("该居民不是党员"), code="points_not_party_member")
