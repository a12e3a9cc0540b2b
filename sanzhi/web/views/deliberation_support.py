"""What the deliberation console pages share: who is staff here, a procedure's stages as a progress
strip, a stage's rules in words, and the error plumbing (a DomainError's translated message on the
form it came from)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from sanzhi.accounts.roles import Capability
from sanzhi.accounts.scoping import scope_for
from sanzhi.core.errors import DomainError
from sanzhi.deliberation.models import MajorityBase, Matter, MatterStep, Stage, StageKind, StepStatus
from sanzhi.web.views.tickets_support import add_domain_error

C = Capability


def is_delib_staff(user: Any) -> bool:
    """Holds ``deliberation.view`` somewhere: the console's pages answer (scoped) rather than 404."""
    return not scope_for(user, C.VIEW_MATTERS).empty


def can_approve_somewhere(user: Any) -> bool:
    return not scope_for(user, C.APPROVE_MATTERS).empty


def form_error(form: forms.Form, exc: DomainError) -> None:
    """The service's translated message on the field it names, else on the form."""
    add_domain_error(form, exc)


def form_messages(form: forms.Form) -> list[str]:
    return [str(e) for errors in form.errors.values() for e in errors]


# ---------------------------------------------------------------- the stage strip


@dataclass
class StripItem:
    stage: Stage
    state: str  # passed / skipped / returned / failed / withdrawn / open / todo
    label: str
    rounds: int  # how many times the stage ran (skipped ones not counted)


def state_label(state: str) -> str:
    return {
        "todo": _("未开始"),
        StepStatus.OPEN: _("进行中"),
        StepStatus.PASSED: _("已通过"),
        StepStatus.FAILED: _("未通过"),
        StepStatus.RETURNED: _("已退回"),
        StepStatus.SKIPPED: _("不适用"),
        StepStatus.WITHDRAWN: _("已撤回"),
    }.get(state, state)


def stage_strip(matter: Matter, stages: list[Stage], steps: list[MatterStep]) -> list[StripItem]:
    """Each stage of the procedure, in order, with where the matter stands at it: the latest step
    of the stage decides (a stage run again shows its latest round)."""
    items = []
    for stage in stages:
        mine = [s for s in steps if s.stage_id == stage.pk]
        ran = [s for s in mine if s.status != StepStatus.SKIPPED]
        state = mine[-1].status if mine else "todo"
        items.append(StripItem(stage=stage, state=state, label=state_label(state), rounds=len(ran)))
    return items


# ---------------------------------------------------------------- rules in words


def fraction_words(num: int, den: int) -> str:
    if num * 2 == den:
        return _("半数")
    if (num, den) == (2, 3):
        return _("三分之二")
    if (num, den) == (1, 3):
        return _("三分之一")
    if (num, den) == (3, 4):
        return _("四分之三")
    return f"{num}/{den}"


def threshold_words(num: int, den: int, strict: bool) -> str:
    words = fraction_words(num, den)
    return (_("超过{fraction}") if strict else _("不少于{fraction}")).format(fraction=words)


def stage_rules(stage: Stage, names: dict[str, str] | None = None) -> list[str]:
    """The rules of a stage as short Chinese phrases: 到会 超过三分之二 · 通过 超过半数（到会）…"""
    words: list[str] = []
    if stage.kind == StageKind.MEETING:
        words.append(
            _("到会：{rule}").format(
                rule=threshold_words(stage.quorum_num, stage.quorum_den, stage.quorum_strict)
            )
        )
        base = _("到会") if stage.majority_base == MajorityBase.PRESENT else _("全体成员")
        words.append(
            _("通过：{rule}（{base}）").format(
                rule=threshold_words(stage.majority_num, stage.majority_den, stage.majority_strict), base=base
            )
        )
        if stage.allows_proxy:
            words.append(_("允许书面委托"))
        if stage.secret_ballot:
            words.append(_("无记名投票"))
    if stage.kind in (StageKind.NOTICE, StageKind.EVALUATION) and stage.min_days:
        words.append(_("不少于{days}天").format(days=stage.min_days))
    if stage.major_only:
        words.append(_("仅重大事项"))
    if stage.return_to:
        words.append(_("退回至：{stage}").format(stage=(names or {}).get(stage.return_to, stage.return_to)))
    return words


def yuan(amount_fen: int | None) -> str:
    if amount_fen is None:
        return ""
    return f"{amount_fen // 100:,}.{amount_fen % 100:02d}"


def render_page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    """Render a console page with what its tabs need (which tabs this user reaches)."""
    user = request.user
    context["delib_nav"] = {"staff": is_delib_staff(user), "approvals": can_approve_somewhere(user)}
    return render(request, template, context, status=status)
