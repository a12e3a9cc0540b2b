"""The console's actions on a matter's open step (``/deliberation/matters/<id>/act/<action>``): each
binds its form and returns the service call to run when the form is valid."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from sanzhi.core.errors import DomainError
from sanzhi.deliberation import flow
from sanzhi.deliberation.approvals import approval_decide, approval_request
from sanzhi.deliberation.evaluation import evaluation_close
from sanzhi.deliberation.implementation import implementation_finish, task_add, task_progress
from sanzhi.deliberation.meetings import meeting_call
from sanzhi.deliberation.models import (
    Matter,
    MatterStep,
    Notice,
    Objection,
    Task,
)
from sanzhi.deliberation.notices import notice_close, notice_open, objection_decide
from sanzhi.deliberation.proposals import proposal_accept
from sanzhi.deliberation.selectors_meetings import approval_list_for
from sanzhi.web.forms_deliberation import (
    ApprovalDecideForm,
    ApprovalRequestForm,
    ImplementationFinishForm,
    MeetingCallForm,
    NoteForm,
    NoticeOpenForm,
    ObjectionDecideForm,
    TaskAddForm,
    TaskProgressForm,
    WithdrawForm,
)
from sanzhi.web.views.common import require
from sanzhi.web.views.deliberation_attachments import (
    attach_action,
)

# ---------------------------------------------------------------- actions on the open step


def _open_step(matter: Matter) -> MatterStep:
    step = None
    if matter.current_step_id is not None:
        step = MatterStep.objects.filter(pk=matter.current_step_id).select_related("stage").first()
    if step is None:
        raise DomainError(_("该议题已经结束"), code="matter_closed")
    return step


def _accept(request: HttpRequest, matter: Matter) -> tuple[forms.Form, Callable[[], str]]:
    form = NoteForm(request.POST)

    def run() -> str:
        proposal_accept(actor=request.user, step=_open_step(matter), note=form.cleaned_data["note"])
        return _("已受理立题")

    return form, run


def _withdraw(request: HttpRequest, matter: Matter) -> tuple[forms.Form, Callable[[], str]]:
    form = WithdrawForm(request.POST)

    def run() -> str:
        flow.matter_withdraw(actor=request.user, matter=matter, reason=form.cleaned_data["reason"])
        return _("议题已撤回")

    return form, run


def _meeting_call(request: HttpRequest, matter: Matter) -> tuple[forms.Form, Callable[[], str]]:
    form = MeetingCallForm(request.POST)

    def run() -> str:
        data = form.cleaned_data
        meeting_call(
            actor=request.user,
            step=_open_step(matter),
            scheduled_at=data["scheduled_at"],
            title=data["title"],
            agenda=data["agenda"],
            place=data["place"],
        )
        return _("已召集会议")

    return form, run


def _approval_request(request: HttpRequest, matter: Matter) -> tuple[forms.Form, Callable[[], str]]:
    form = ApprovalRequestForm(request.POST)

    def run() -> str:
        approval_request(actor=request.user, step=_open_step(matter), request=form.cleaned_data["request"])
        return _("已提交请示，等待乡镇（街道）批复")

    return form, run


def _approval_decide(request: HttpRequest, matter: Matter) -> tuple[forms.Form, Callable[[], str]]:
    form = ApprovalDecideForm(request.POST)
    approval = approval_list_for(user=request.user).filter(step_id=matter.current_step_id).first()
    if approval is None:
        raise Http404

    def run() -> str:
        approve = form.cleaned_data["decision"] == "approve"
        approval_decide(
            actor=request.user, approval=approval, approve=approve, reply=form.cleaned_data["reply"]
        )
        return _("已批复：同意") if approve else _("已批复：不同意")

    return form, run


def _notice_open(request: HttpRequest, matter: Matter) -> tuple[forms.Form, Callable[[], str]]:
    step = _open_step(matter)
    form = NoticeOpenForm(request.POST, min_days=step.stage.min_days)

    def run() -> str:
        data = form.cleaned_data
        notice_open(actor=request.user, step=step, title=data["title"], body=data["body"], days=data["days"])
        return _("已发布公示")

    return form, run


def _objection_decide(request: HttpRequest, matter: Matter) -> tuple[forms.Form, Callable[[], str]]:
    raw = request.POST.get("objection", "")
    objection = (
        Objection.objects.filter(notice__step__matter=matter, pk=int(raw)).first() if raw.isdigit() else None
    )
    if objection is None:
        raise Http404
    # The id travels unprefixed: the view picks the objection (and so the prefix) from it.
    data = request.POST.copy()
    data[f"o{objection.pk}-objection"] = raw
    form = ObjectionDecideForm(data, prefix=f"o{objection.pk}")

    def run() -> str:
        uphold = form.cleaned_data["decision"] == "uphold"
        objection_decide(
            actor=request.user, objection=objection, uphold=uphold, reply=form.cleaned_data["reply"]
        )
        return _("异议成立，议题已退回") if uphold else _("已答复异议")

    return form, run


def _notice_close(request: HttpRequest, matter: Matter) -> tuple[forms.Form, Callable[[], str]]:
    notice = Notice.objects.filter(step_id=matter.current_step_id).first()
    require(notice is not None)
    assert notice is not None

    def run() -> str:
        notice_close(actor=request.user, notice=notice)
        return _("公示期满，已结束公示")

    return forms.Form(request.POST), run


def _task_add(request: HttpRequest, matter: Matter) -> tuple[forms.Form, Callable[[], str]]:
    form = TaskAddForm(request.POST)

    def run() -> str:
        data = form.cleaned_data
        task_add(
            actor=request.user,
            step=_open_step(matter),
            title=data["title"],
            owner_name=data["owner_name"],
            due_date=data["due_date"],
        )
        return _("已安排任务")

    return form, run


def _task_progress(request: HttpRequest, matter: Matter) -> tuple[forms.Form, Callable[[], str]]:
    form = TaskProgressForm(request.POST)
    raw = request.POST.get("task", "")
    task = Task.objects.filter(matter=matter, pk=int(raw)).first() if raw.isdigit() else None
    if task is None:
        raise Http404

    def run() -> str:
        data = form.cleaned_data
        task_progress(actor=request.user, task=task, progress=data["progress"], note=data["note"])
        return _("已填报进度")

    return form, run


def _implementation_finish(request: HttpRequest, matter: Matter) -> tuple[forms.Form, Callable[[], str]]:
    form = ImplementationFinishForm(request.POST)

    def run() -> str:
        implementation_finish(
            actor=request.user, step=_open_step(matter), summary=form.cleaned_data["summary"]
        )
        return _("实施完成")

    return form, run


def _evaluation_close(request: HttpRequest, matter: Matter) -> tuple[forms.Form, Callable[[], str]]:
    def run() -> str:
        evaluation_close(actor=request.user, step=_open_step(matter))
        return _("群众评价已结束")

    return forms.Form(request.POST), run


ACTIONS: dict[str, Callable[[HttpRequest, Matter], tuple[forms.Form, Callable[[], str]]]] = {
    "accept": _accept,
    "withdraw": _withdraw,
    "meeting_call": _meeting_call,
    "approval_request": _approval_request,
    "approval_decide": _approval_decide,
    "notice_open": _notice_open,
    "objection_decide": _objection_decide,
    "notice_close": _notice_close,
    "task_add": _task_add,
    "task_progress": _task_progress,
    "implementation_finish": _implementation_finish,
    "evaluation_close": _evaluation_close,
    "attach": attach_action,
}
