"""积分 for residents: 我的积分 (the household's and one's own accounts), 积分明细 (the ledger lines
with their status) and 积分超市 (what can be redeemed now, a confirmation step, my redemptions).

Only the user's own accounts appear here, whatever staff role the user also holds: another account's
id is a 404. Writes go through sanzhi.points.store; a DomainError comes back as a message.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Prefetch, QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from sanzhi.core.errors import DomainError, NotFound
from sanzhi.points.ledger import claim_status
from sanzhi.points.models import (
    DECISION_KINDS,
    Account,
    CategoryBalance,
    Entry,
    EntryKind,
    Goods,
    Redemption,
    RedemptionState,
    RedemptionWindow,
    StarChange,
    StarChangeKind,
    StarHolding,
    Tier,
)
from sanzhi.points.periods import period_of
from sanzhi.points.selectors import own_accounts_q
from sanzhi.points.stars import star_history
from sanzhi.points.store import (
    MAX_QUANTITY,
    open_window,
    price_for,
    redeem,
    redemption_cancel,
    tier_allows,
    tier_of,
)
from sanzhi.web.views.common import console_view, paginate

HISTORY_PAGE = 20
MY_REDEMPTIONS = 20
STAR_CHANGES = 12

# A claim's status as the resident reads it (claim_status → label, badge colour).
CLAIM_STATUS = {
    "pending": (gettext_lazy("待审核"), "warning"),
    "approved": (gettext_lazy("已通过"), "success"),
    "rejected": (gettext_lazy("已驳回"), "secondary"),
    "reversed": (gettext_lazy("已冲正"), "danger"),
}
KIND_STATUS = {
    EntryKind.BASE: (gettext_lazy("基础分"), "info"),
    EntryKind.REVERSAL: (gettext_lazy("冲正"), "danger"),
    EntryKind.REDEMPTION: (gettext_lazy("兑换"), "primary"),
    EntryKind.REFUND: (gettext_lazy("退回"), "info"),
}
HISTORY_FILTERS = {
    "pending": gettext_lazy("待审核"),
    "store": gettext_lazy("兑换"),
}


# ---------------------------------------------------------------- the user's own accounts


def my_accounts(user: Any) -> QuerySet[Account]:
    """The household's and the user's own accounts (never what a staff role could also see)."""
    return (
        Account.objects.filter(own_accounts_q(user))
        .select_related("scheme", "scheme__node")
        .order_by("scheme__node_path", "scheme_id", "id")
    )


def my_account_get(user: Any, account_id: int) -> Account:
    account = my_accounts(user).filter(pk=account_id).first()
    if account is None:
        raise NotFound(_("积分账户不存在"), code="points_account_not_found")
    return account


@dataclass
class CategoryBar:
    name: str
    points: int
    width: int  # percent of the widest bar


@dataclass
class StarView:
    name: str
    held: bool
    since: str = ""


@dataclass
class AccountCard:
    account: Account
    bars: list[CategoryBar] = field(default_factory=list)
    stars: list[StarView] = field(default_factory=list)
    pending: int = 0
    pending_points: int = 0
    tier: Tier | None = None
    changes: list[StarChange] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)  # stars lost and not yet earned back (失星再培育)

    @property
    def stars_held(self) -> int:
        return sum(1 for s in self.stars if s.held)


def account_card(account: Account, now: dt.datetime) -> AccountCard:
    scheme = account.scheme
    balances = dict(CategoryBalance.objects.filter(account=account).values_list("category_id", "points"))
    categories = list(scheme.categories.all())
    widest = max([abs(p) for p in balances.values()] + [1])
    bars = [
        CategoryBar(c.name, balances.get(c.pk, 0), round(abs(balances.get(c.pk, 0)) * 100 / widest))
        for c in categories
    ]
    held = {h.star_id: h for h in StarHolding.objects.filter(account=account)}
    all_stars = list(scheme.stars.all())
    stars = [
        StarView(s.name, s.pk in held, held[s.pk].since_month if s.pk in held else "") for s in all_stars
    ]
    pending = Entry.objects.filter(account=account, kind=EntryKind.AWARD).exclude(
        followups__kind__in=DECISION_KINDS
    )
    agg = pending.aggregate(points=Sum("claimed"))
    history = star_history(account)
    changes = list(history[:STAR_CHANGES])
    latest: dict[int, str] = {}
    for star_id, change in history.values_list("star_id", "change"):
        latest.setdefault(star_id, change)  # newest first: the first seen is the star's latest change
    names = {s.pk: s.name for s in all_stars}
    lost = [names[i] for i, c in latest.items() if c == StarChangeKind.LOST and i not in held and i in names]
    return AccountCard(
        account=account,
        bars=bars,
        stars=stars,
        pending=pending.count(),
        pending_points=int(agg["points"] or 0),
        tier=tier_of(account, now),
        changes=changes,
        lost=lost,
    )


# ---------------------------------------------------------------- 我的积分


@console_view
def points_mine(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    cards = [account_card(a, now) for a in my_accounts(request.user)]
    return render(request, "web/points/resident/mine.html", {"cards": cards, "active": "points_mine"})


# ---------------------------------------------------------------- 积分明细


@dataclass
class HistoryLine:
    entry: Entry
    label: str
    badge: str
    points: int  # what the line did (or, for a pending claim, asks for)
    counts: bool  # whether ``points`` moved the balance
    hint: str  # under the points: 审核后计入, 未计入, 可兑换积分
    what: str
    note: str


def history_line(entry: Entry) -> HistoryLine:
    what = entry.rule.item if entry.rule_id and entry.rule else ""
    if entry.kind == EntryKind.AWARD:
        status = claim_status(entry)
        label, badge = CLAIM_STATUS[status]
        followups = {f.kind: f for f in entry.followups.all()}
        approval = followups.get(EntryKind.APPROVAL)
        decision = approval or followups.get(EntryKind.REJECTION)
        return HistoryLine(
            entry=entry,
            label=str(label),
            badge=badge,
            points=approval.total_delta if approval is not None else entry.claimed,
            counts=approval is not None,
            hint={"pending": _("审核后计入"), "rejected": _("未计入")}.get(status, ""),
            what=what,
            # The reviewer's reason for a rejection is what the resident needs to read.
            note=(decision.note if decision is not None and decision.note else entry.note),
        )
    label, badge = KIND_STATUS.get(EntryKind(entry.kind), (EntryKind(entry.kind).label, "secondary"))
    store = entry.kind in (EntryKind.REDEMPTION, EntryKind.REFUND)
    note = "" if entry.kind == EntryKind.REDEMPTION else entry.note
    if entry.kind == EntryKind.BASE:
        what = _("基础分")
    elif store and entry.redemption is not None:
        what = f"{entry.redemption.goods.name} × {entry.redemption.quantity}"
    return HistoryLine(
        entry=entry,
        label=str(label),
        badge=badge,
        points=entry.redeemable_delta if store else entry.total_delta,
        counts=True,
        hint=_("可兑换积分") if store else "",
        what=what or entry.note,
        note=note if note != what else "",
    )


def history_entries(account: Account, show: str) -> QuerySet[Entry]:
    # Approvals and rejections are read as the status of their claim, not as lines of their own.
    entries = Entry.objects.filter(account=account).exclude(kind__in=DECISION_KINDS)
    if show == "pending":
        entries = entries.filter(kind=EntryKind.AWARD).exclude(followups__kind__in=DECISION_KINDS)
    elif show == "store":
        entries = entries.filter(kind__in=[EntryKind.REDEMPTION, EntryKind.REFUND])
    return (
        entries.select_related("rule", "category", "redemption__goods")
        .prefetch_related(
            Prefetch(
                "followups",
                queryset=Entry.objects.only(
                    "id", "kind", "target_id", "total_delta", "redeemable_delta", "note", "recorded_at"
                ),
            )
        )
        .order_by("-seq")
    )


@console_view
def points_history(request: HttpRequest, account_id: int) -> HttpResponse:
    account = my_account_get(request.user, account_id)
    show = request.GET.get("show", "")
    show = show if show in HISTORY_FILTERS else ""
    page = paginate(request, history_entries(account, show), per_page=HISTORY_PAGE)
    context = {
        "account": account,
        "page": page,
        "lines": [history_line(e) for e in page.object_list],
        "show": show,
        "filters": HISTORY_FILTERS,
        "query": f"show={show}" if show else "",
        "active": "points_mine",
    }
    return render(request, "web/points/resident/history.html", context)


# ---------------------------------------------------------------- 积分超市


@dataclass
class GoodsOffer:
    goods: Goods
    unit_price: int
    reasons: list[str]
    max_quantity: int

    @property
    def available(self) -> bool:
        return not self.reasons

    @property
    def discounted(self) -> bool:
        return self.unit_price != self.goods.price


def next_window(scheme_id: int, now: dt.datetime) -> RedemptionWindow | None:
    return (
        RedemptionWindow.objects.filter(scheme_id=scheme_id, starts_at__gt=now).order_by("starts_at").first()
    )


def store_offers(account: Account, now: dt.datetime) -> dict[str, Any]:
    """Every goods on the shelf with its price for this account and why it cannot be redeemed now."""
    scheme = account.scheme
    window = open_window(scheme.pk, now)
    upcoming = next_window(scheme.pk, now) if window is None else None
    tier = tier_of(account, now)
    goods_list = list(
        Goods.objects.filter(scheme=scheme, active=True)
        .select_related("min_tier", "donor")
        .order_by("order", "id")
    )
    period = period_of(timezone.localtime(now).date(), scheme.redeem_period)
    taken = dict(
        Redemption.objects.filter(account=account, created_at__date__gte=period.first)
        .exclude(state=RedemptionState.CANCELLED)
        .values("goods_id")
        .annotate(n=Sum("quantity"))
        .values_list("goods_id", "n")
    )
    offers = []
    for goods in goods_list:
        unit, _total = price_for(goods, 1, tier)
        reasons: list[str] = []
        if window is None and (goods.window_only or not scheme.redeem_anytime):
            if upcoming is not None:
                reasons.append(
                    _("仅在集中兑换时开放（下次：{name}，{start}）").format(
                        name=upcoming.name,
                        start=timezone.localtime(upcoming.starts_at).strftime("%Y-%m-%d %H:%M"),
                    )
                )
            else:
                reasons.append(_("仅在集中兑换时开放，时间另行通知"))
        if not tier_allows(goods, tier):
            reasons.append(
                _("仅限“{tier}”及以上档次兑换").format(tier=goods.min_tier.name if goods.min_tier else "")
            )
        limit_left = MAX_QUANTITY
        if goods.per_account_limit is not None:
            used = int(taken.get(goods.pk, 0))
            limit_left = max(0, goods.per_account_limit - used)
            if not limit_left:
                reasons.append(
                    _("本期每户限兑 {limit} {unit}，已兑完").format(
                        limit=goods.per_account_limit, unit=goods.unit
                    )
                )
        if goods.stock <= 0:
            reasons.append(_("库存已兑完"))
        elif unit > account.redeemable:
            reasons.append(_("还差 {n} 分").format(n=unit - account.redeemable))
        affordable = account.redeemable // unit if unit else 0
        offers.append(
            GoodsOffer(
                goods=goods,
                unit_price=unit,
                reasons=reasons,
                max_quantity=max(1, min(goods.stock, limit_left, affordable, MAX_QUANTITY)),
            )
        )
    return {"offers": offers, "window": window, "upcoming": upcoming, "tier": tier}


def my_redemptions(user: Any) -> QuerySet[Redemption]:
    return (
        Redemption.objects.filter(account__in=Account.objects.filter(own_accounts_q(user)))
        .select_related("goods", "account")
        .order_by("-created_at", "-id")
    )


def chosen_account(request: HttpRequest, accounts: list[Account]) -> Account | None:
    """The account picked with ``?account=`` (or posted), else the first: always one of ``accounts``."""
    wanted = request.GET.get("account") or request.POST.get("account")
    if not wanted:
        return accounts[0] if accounts else None
    for account in accounts:
        if str(account.pk) == str(wanted):
            return account
    raise NotFound(_("积分账户不存在"), code="points_account_not_found")


@console_view
def points_store(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    accounts = [a for a in my_accounts(request.user) if a.scheme.active]
    account = chosen_account(request, accounts)
    context: dict[str, Any] = {
        "accounts": accounts,
        "account": account,
        "redemptions": list(my_redemptions(request.user)[:MY_REDEMPTIONS]),
        "active": "points_store",
    }
    if account is not None:
        context.update(store_offers(account, now))
    return render(request, "web/points/resident/store.html", context)


class RedeemForm(forms.Form):
    quantity = forms.IntegerField(label=gettext_lazy("数量"), min_value=1, max_value=MAX_QUANTITY, initial=1)
    # One key per confirmation page: a double submit or a retry redeems once.
    request_key = forms.RegexField(regex=r"^[0-9a-f]{32}$", widget=forms.HiddenInput)


def _offer_for(account: Account, goods_id: int, now: dt.datetime) -> tuple[GoodsOffer, dict[str, Any]]:
    data = store_offers(account, now)
    for offer in data["offers"]:
        if offer.goods.pk == goods_id:
            return offer, data
    raise NotFound(_("商品不存在"), code="points_goods_not_found")


@console_view
def points_redeem(request: HttpRequest, goods_id: int) -> HttpResponse:
    """The confirmation step (GET) and the redemption itself (POST)."""
    user = request.user
    now = timezone.now()
    accounts = [a for a in my_accounts(user) if a.scheme.active]
    account = chosen_account(request, accounts)
    if account is None:
        raise NotFound(_("积分账户不存在"), code="points_account_not_found")
    offer, data = _offer_for(account, goods_id, now)
    status = 200
    if request.method == "POST":
        form = RedeemForm(request.POST)
        if form.is_valid():
            try:
                redemption = redeem(
                    actor=user,
                    account_id=account.pk,
                    goods_id=goods_id,
                    quantity=form.cleaned_data["quantity"],
                    request_key=form.cleaned_data["request_key"],
                )
            except NotFound:
                raise
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    _("兑换成功：{goods} × {n}，共 {points} 分。请凭兑换单到积分超市领取。").format(
                        goods=offer.goods.name, n=redemption.quantity, points=redemption.points
                    ),
                )
                return redirect(f"{reverse('web:points_my_store')}?account={account.pk}#my-redemptions")
        if "request_key" in form.errors:
            # A tampered or stale page: offer a fresh key, so the next confirmation can go through.
            posted = request.POST.copy()
            posted["request_key"] = uuid.uuid4().hex
            form = RedeemForm(posted)
            form.is_valid()
            form.add_error(None, _("兑换请求已失效，请核对后再次确认"))
        status = 422
        account.refresh_from_db()
    else:
        form = RedeemForm(initial={"quantity": 1, "request_key": uuid.uuid4().hex})
    form.fields["quantity"].widget.attrs.update(
        {"class": "form-control", "max": offer.max_quantity, "inputmode": "numeric"}
    )
    context = {
        "account": account,
        "offer": offer,
        "form": form,
        "tier": data["tier"],
        "active": "points_store",
    }
    return render(request, "web/points/resident/redeem.html", context, status=status)


@require_POST
@console_view
def points_redemption_cancel(request: HttpRequest, redemption_id: int) -> HttpResponse:
    redemption = my_redemptions(request.user).filter(pk=redemption_id).first()
    if redemption is None:
        raise NotFound(_("兑换单不存在"), code="points_redemption_not_found")
    reason = (request.POST.get("reason") or "").strip()[:200] or _("居民自行取消")
    try:
        redemption = redemption_cancel(actor=request.user, redemption_id=redemption.pk, reason=reason)
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("已取消兑换“{goods}”，{points} 分已退回。").format(
                goods=redemption.goods.name, points=redemption.points
            ),
        )
    return redirect(f"{reverse('web:points_my_store')}?account={redemption.account_id}#my-redemptions")
