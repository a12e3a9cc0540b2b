"""议事协商 console pages: matters and their open step's actions, meetings, 村民说事, the township's
approvals, bodies and procedures."""

from django.urls import URLPattern, path

from sanzhi.web.views import deliberation_admin, deliberation_matters, deliberation_meetings

urlpatterns: list[URLPattern] = [
    path("deliberation/", deliberation_matters.matters, name="delib_matters"),
    path("deliberation/matters/new/", deliberation_matters.matter_new, name="delib_matter_new"),
    path("deliberation/matters/<int:pk>/", deliberation_matters.matter_detail, name="delib_matter"),
    path(
        "deliberation/matters/<int:pk>/<slug:action>/",
        deliberation_matters.matter_act,
        name="delib_matter_act",
    ),
    path("deliberation/meetings/", deliberation_meetings.meetings, name="delib_meetings"),
    path("deliberation/meetings/<int:pk>/", deliberation_meetings.meeting_detail, name="delib_meeting"),
    path(
        "deliberation/meetings/<int:pk>/<slug:action>/",
        deliberation_meetings.meeting_act,
        name="delib_meeting_act",
    ),
    path("deliberation/approvals/", deliberation_meetings.approvals, name="delib_approvals"),
    path("deliberation/sayings/", deliberation_admin.sayings, name="delib_sayings"),
    path(
        "deliberation/sayings/<int:pk>/<slug:action>/", deliberation_admin.saying_act, name="delib_saying_act"
    ),
    path("deliberation/bodies/", deliberation_admin.bodies, name="delib_bodies"),
    path(
        "deliberation/bodies/<int:pk>/members/add/",
        deliberation_admin.body_member_new,
        name="delib_member_add",
    ),
    path(
        "deliberation/bodies/<int:pk>/members/remove/",
        deliberation_admin.body_member_end,
        name="delib_member_remove",
    ),
    path("deliberation/procedures/", deliberation_admin.procedures, name="delib_procedures"),
    path("deliberation/procedures/adopt/", deliberation_admin.procedure_new, name="delib_procedure_new"),
]
