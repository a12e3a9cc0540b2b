"""``/api/v1/deliberation/``: procedures and bodies, matters and their steps (meetings, 请示报告,
public notices and objections, implementation, evaluation), and 村民说事."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from sanzhi.api.deliberation import outcome_views, step_views, views

urlpatterns: list[URLPattern | URLResolver] = [
    # procedures and bodies
    path("templates/", views.TemplateListView.as_view(), name="deliberation-template-list"),
    path("procedures/", views.ProcedureListView.as_view(), name="deliberation-procedure-list"),
    path("procedures/adopt", views.ProcedureAdoptView.as_view(), name="deliberation-procedure-adopt"),
    path("procedures/<int:id>", views.ProcedureDetailView.as_view(), name="deliberation-procedure-detail"),
    path("bodies/", views.BodyListView.as_view(), name="deliberation-body-list"),
    path("bodies/<int:id>", views.BodyDetailView.as_view(), name="deliberation-body-detail"),
    path("bodies/<int:id>/members", views.MemberAddView.as_view(), name="deliberation-member-add"),
    path("members/<int:id>/remove", views.MemberRemoveView.as_view(), name="deliberation-member-remove"),
    # matters
    path("matters/", views.MatterListView.as_view(), name="deliberation-matter-list"),
    path("matters/<int:id>", views.MatterDetailView.as_view(), name="deliberation-matter-detail"),
    path(
        "matters/<int:id>/withdraw", views.MatterWithdrawView.as_view(), name="deliberation-matter-withdraw"
    ),
    path(
        "matters/<int:id>/attachments",
        views.MatterAttachmentsView.as_view(),
        name="deliberation-matter-attachments",
    ),
    path(
        "matters/<int:id>/attachments/<int:aid>",
        views.MatterAttachmentView.as_view(),
        name="deliberation-matter-attachment",
    ),
    path(
        "matters/<int:id>/evaluation",
        outcome_views.EvaluationView.as_view(),
        name="deliberation-matter-evaluation",
    ),
    # the open step's work
    path("steps/<int:id>/accept", step_views.ProposalAcceptView.as_view(), name="deliberation-step-accept"),
    path("steps/<int:id>/meetings", step_views.MeetingCallView.as_view(), name="deliberation-step-meeting"),
    path(
        "steps/<int:id>/approvals",
        step_views.ApprovalRequestView.as_view(),
        name="deliberation-step-approval",
    ),
    path("steps/<int:id>/notices", outcome_views.NoticeOpenView.as_view(), name="deliberation-step-notice"),
    path("steps/<int:id>/tasks", outcome_views.TaskAddView.as_view(), name="deliberation-step-task"),
    path(
        "steps/<int:id>/implementation/finish",
        outcome_views.ImplementationFinishView.as_view(),
        name="deliberation-step-implementation-finish",
    ),
    path(
        "steps/<int:id>/evaluation/close",
        outcome_views.EvaluationCloseView.as_view(),
        name="deliberation-step-evaluation-close",
    ),
    # meetings
    path("meetings/", step_views.MeetingListView.as_view(), name="deliberation-meeting-list"),
    path("meetings/<int:id>", step_views.MeetingDetailView.as_view(), name="deliberation-meeting-detail"),
    path(
        "meetings/<int:id>/cancel", step_views.MeetingCancelView.as_view(), name="deliberation-meeting-cancel"
    ),
    path(
        "meetings/<int:id>/attendance",
        step_views.AttendanceView.as_view(),
        name="deliberation-meeting-attendance",
    ),
    path("meetings/<int:id>/ballots", step_views.BallotView.as_view(), name="deliberation-meeting-ballot"),
    path("meetings/<int:id>/count", step_views.CountView.as_view(), name="deliberation-meeting-count"),
    path("meetings/<int:id>/decide", step_views.DecideView.as_view(), name="deliberation-meeting-decide"),
    path("meetings/<int:id>/sign", step_views.SignView.as_view(), name="deliberation-meeting-sign"),
    # 请示报告
    path("approvals/", step_views.ApprovalListView.as_view(), name="deliberation-approval-list"),
    path(
        "approvals/<int:id>/decide",
        step_views.ApprovalDecideView.as_view(),
        name="deliberation-approval-decide",
    ),
    # 公示 and 异议
    path("notices/current", outcome_views.NoticeCurrentView.as_view(), name="deliberation-notice-current"),
    path("notices/<int:id>", outcome_views.NoticeDetailView.as_view(), name="deliberation-notice-detail"),
    path(
        "notices/<int:id>/objections",
        outcome_views.ObjectionSubmitView.as_view(),
        name="deliberation-notice-objection",
    ),
    path("notices/<int:id>/close", outcome_views.NoticeCloseView.as_view(), name="deliberation-notice-close"),
    path(
        "objections/<int:id>/decide",
        outcome_views.ObjectionDecideView.as_view(),
        name="deliberation-objection-decide",
    ),
    # 组织实施
    path(
        "tasks/<int:id>/progress", outcome_views.TaskProgressView.as_view(), name="deliberation-task-progress"
    ),
    # 村民说事
    path("sayings/", views.SayingListView.as_view(), name="deliberation-saying-list"),
    path("sayings/mine", views.SayingMineView.as_view(), name="deliberation-saying-mine"),
    path("sayings/<int:id>/answer", views.SayingAnswerView.as_view(), name="deliberation-saying-answer"),
    path("sayings/<int:id>/accept", views.SayingAcceptView.as_view(), name="deliberation-saying-accept"),
]
