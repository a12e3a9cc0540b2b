"""The points console (积分): the workbench, recording on a phone (一事一记录, with a photo), the
monthly review (batch approval; council items apart), accounts with their ledger and reversals,
evidence photos through a scoped view, and the rule catalog.

Writes go through sanzhi.points services; a DomainError comes back as a message on the form (422)
and, the services being atomic, nothing is written. An out-of-scope account or entry is a 404.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanzhi.accounts.roles import Capability
from sanzhi.accounts.scoping import scope_for
from sanzhi.core.errors import DomainError, NotFound
from sanzhi.points import rules
from sanzhi.points.ledger import claim_status, points_decide, points_record, points_reverse
from sanzhi.points.models import Account, Entry, EntryKind, RedemptionState, Rule, Scheme
from sanzhi.points.selectors import (
    account_get_for,
    account_list_for,
    entry_list_for,
    pending_claims_for,
    scheme_get_for,
)
from sanzhi.web.forms_points import DecideForm, RecordForm, ReverseForm
from sanzhi.web.views.common import console_view, paginate, require
from sanzhi.web.views.points_support import (
    accounts_for,
    chosen_option,
    console_schemes,
    has_anywhere_in,
    is_points_staff,
    open_chosen,
    pick_scheme,
)
from sanzhi.web.views.tickets_support import add_domain_error

C = Capability
REVIEW_LIMIT = 500
MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def scheme_url(name: str, scheme: Scheme) -> str:
    return f"{reverse(name)}?scheme={scheme.pk}"


# ---------------------------------------------------------------- 积分工作台


@console_view
def points_home(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(is_points_staff(user))
    rows = []
    for scheme in console_schemes(user):
        store = has_anywhere_in(user, C.RUN_STORE, scheme)
        rows.append(
            {
                "scheme": scheme,
                "accounts": account_list_for(user=user, scheme=scheme).count(),
                "pending": pending_claims_for(user=user, scheme=scheme).count(),
                "pickups": (
                    scheme.redemptions.filter(state=RedemptionState.PLACED)
                    .filter(account__in=accounts_for(user, scheme, C.RUN_STORE))
                    .count()
                    if store
                    else 0
                ),
                "can_record": has_anywhere_in(user, C.RECORD_POINTS, scheme),
                "can_review": has_anywhere_in(user, C.REVIEW_POINTS, scheme)
                or has_anywhere_in(user, C.COUNCIL_POINTS, scheme),
                "can_store": store,
                "can_manage": rules.can_manage(user, scheme),
            }
        )
    return render(request, "web/points/home.html", {"rows": rows, "active": "points"})


# ---------------------------------------------------------------- 记分


@console_view
def points_record_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    schemes = [s for s in console_schemes(user) if has_anywhere_in(user, C.RECORD_POINTS, s)]
    require(bool(schemes))
    scheme = pick_scheme(request, schemes)
    can_approve = has_anywhere_in(user, C.REVIEW_POINTS, scheme)
    form = RecordForm(request.POST or None, request.FILES or None, scheme=scheme, can_approve=can_approve)
    raw = request.POST.get("account") or request.GET.get("account") or ""
    selected = chosen_option(user, scheme, C.RECORD_POINTS, raw)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            if selected is None:
                form.add_error(None, _("请选择积分对象"))
            else:
                try:
                    # A holder's first record opens their account: both or neither.
                    with transaction.atomic():
                        account = open_chosen(user, scheme, selected)
                        claim = points_record(
                            actor=user,
                            account_id=account.pk,
                            rule_id=data["rule"],
                            points=data["points"],
                            note=data["note"],
                            evidence=data["evidence"],
                            day=data["day"],
                            approve=bool(data.get("approve")),
                        )
                except DomainError as exc:
                    add_domain_error(form, exc)
                else:
                    rule = claim.rule
                    state = _("已审核通过") if data.get("approve") else _("待审核")
                    messages.success(
                        request,
                        _("已为“{name}”记录“{item}” {points:+d} 分（{state}）").format(
                            name=selected.name,
                            item=rule.item if rule else "",
                            points=claim.claimed,
                            state=state,
                        ),
                    )
                    return redirect(scheme_url("web:points_record", scheme))
        status = 422
    context = {
        "form": form,
        "scheme": scheme,
        "schemes": schemes,
        "selected": selected,
        "ranges_json": json.dumps(
            {r.pk: [r.points_min, r.points_max] for r in Rule.objects.filter(scheme=scheme, active=True)}
        ),
        "active": "points",
    }
    return render(request, "web/points/record.html", context, status=status)


# ---------------------------------------------------------------- 审核


def _review_rows(
    user: Any, scheme: Scheme, month: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], int]:
    claims = pending_claims_for(user=user, scheme=scheme, months=[month] if month else None)
    total = claims.count()
    ordinary: list[dict[str, Any]] = []
    council: list[dict[str, Any]] = []
    for claim in claims[:REVIEW_LIMIT]:
        rule_council = claim.rule.council if claim.rule else ""
        reviewer = rules.can_review(user, claim.account)
        if rule_council:
            member = rules.can_council(user, claim.account)
            why = "" if member else _("须经{council}审批，您不是其成员").format(council=rule_council)
            council.append(
                {"claim": claim, "approve": member, "reject": reviewer, "why": why, "council": rule_council}
            )
        else:
            why = "" if reviewer else _("您没有审核该户积分的权限")
            ordinary.append({"claim": claim, "approve": reviewer, "reject": reviewer, "why": why})
    return ordinary, council, total


@console_view
def points_review(request: HttpRequest) -> HttpResponse:
    user = request.user
    schemes = [
        s
        for s in console_schemes(user)
        if has_anywhere_in(user, C.REVIEW_POINTS, s) or has_anywhere_in(user, C.COUNCIL_POINTS, s)
    ]
    require(bool(schemes))
    scheme = pick_scheme(request, schemes)
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        ids = list(
            pending_claims_for(user=user, scheme=scheme).values_list("pk", flat=True)[: REVIEW_LIMIT * 2]
        )
        form = DecideForm(request.POST, entry_ids=ids)
        if form.is_valid():
            data = form.cleaned_data
            approve = data["decision"] == "approve"
            try:
                decided = points_decide(
                    actor=user, entry_ids=data["entry"], approve=approve, note=data["note"]
                )
            except DomainError as exc:
                errors.append(exc.message)
            else:
                template = _("已审核通过 {n} 条申报") if approve else _("已驳回 {n} 条申报")
                messages.success(request, template.format(n=len(decided)))
                return redirect(scheme_url("web:points_review", scheme))
        else:
            errors = [str(e) for errs in form.errors.values() for e in errs]
        status = 422
    month = request.GET.get("month", "").strip()
    month = month if MONTH_RE.match(month) else ""
    ordinary, council, total = _review_rows(user, scheme, month)
    context = {
        "scheme": scheme,
        "schemes": schemes,
        "ordinary": ordinary,
        "council": council,
        "council_approve": any(r["approve"] for r in council),
        "council_reject": any(r["reject"] for r in council),
        "total": total,
        "month": month,
        "shown": len(ordinary) + len(council),
        "errors": errors,
        "note": request.POST.get("note", "") if errors else "",
        "active": "points",
    }
    return render(request, "web/points/review.html", context, status=status)


# ---------------------------------------------------------------- evidence, never a public media URL


INLINE_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".webp": "image/webp"}


@login_required
def points_evidence(request: HttpRequest, pk: int) -> FileResponse:
    entry = Entry.objects.filter(pk=pk, kind=EntryKind.AWARD).exclude(evidence="").first()
    if entry is None:
        raise Http404
    try:
        account_get_for(user=request.user, account_id=entry.account_id)  # the scope check
    except NotFound:
        raise Http404 from None
    name = entry.evidence.name.rsplit("/", 1)[-1]
    content_type = INLINE_TYPES.get("." + name.rsplit(".", 1)[-1].lower() if "." in name else "")
    try:
        handle = entry.evidence.open("rb")
    except OSError:
        raise Http404 from None
    response = FileResponse(
        handle,
        content_type=content_type or "application/octet-stream",
        as_attachment=content_type is None,
        filename=name,
    )
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# ---------------------------------------------------------------- 账户


@console_view
def points_accounts(request: HttpRequest) -> HttpResponse:
    user = request.user
    schemes = console_schemes(user)
    require(bool(schemes))
    scheme = pick_scheme(request, schemes)
    query = (request.GET.get("q") or "").strip()[:50]
    accounts = account_list_for(user=user, scheme=scheme).filter(
        scope_for(user, C.VIEW_POINTS).q("node_path")
    )
    if query:
        accounts = accounts.filter(
            Q(name__icontains=query) | Q(household__members__name__icontains=query)
        ).distinct()
    page = paginate(request, accounts.select_related("node").order_by("-total", "id"), per_page=30)
    context = {
        "scheme": scheme,
        "schemes": schemes,
        "page": page,
        "query": query,
        "querystring": f"scheme={scheme.pk}&q={query}" if query else f"scheme={scheme.pk}",
        "active": "points",
    }
    return render(request, "web/points/accounts.html", context)


@console_view
def points_account(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    require(is_points_staff(user))
    account = account_get_for(user=user, account_id=pk)
    balances = account.category_balances.select_related("category").order_by("category__order", "category_id")
    page = paginate(request, entry_list_for(user=user, account=account), per_page=30)
    reviewer = rules.can_review(user, account)
    rows = []
    for entry in page.object_list:
        status = claim_status(entry) if entry.kind == EntryKind.AWARD else ""
        rows.append({"entry": entry, "status": status, "can_reverse": reviewer and status == "approved"})
    context = {
        "account": account,
        "scheme": account.scheme,
        "balances": list(balances),
        "page": page,
        "rows": rows,
        "can_record": rules.can_record(user, account),
        "redemptions": list(
            account.redemptions.select_related("goods").filter(state=RedemptionState.PLACED)[:10]
        ),
        "active": "points",
    }
    return render(request, "web/points/account.html", context)


@require_POST
@console_view
def points_reverse_entry(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    entry = Entry.objects.filter(pk=pk, kind=EntryKind.AWARD).only("id", "account_id").first()
    if entry is None:
        raise Http404
    account: Account = account_get_for(user=user, account_id=entry.account_id)
    form = ReverseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("冲正须填写原因"))
    else:
        try:
            points_reverse(actor=user, entry_id=entry.pk, note=form.cleaned_data["note"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已冲正"))
    return redirect("web:points_account", pk=account.pk)


# ---------------------------------------------------------------- 细则


@console_view
def points_rules(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    require(is_points_staff(user))
    scheme = scheme_get_for(user=user, scheme_id=pk)
    all_rules = list(scheme.rules.all())
    categories = [
        {"category": category, "rules": [r for r in all_rules if r.category_id == category.pk]}
        for category in scheme.categories.all()
    ]
    context = {
        "scheme": scheme,
        "categories": categories,
        "can_manage": rules.can_manage(user, scheme),
        "active": "points",
    }
    return render(request, "web/points/rules.html", context)
