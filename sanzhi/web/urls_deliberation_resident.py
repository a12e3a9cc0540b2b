"""议事协商 pages for residents: 公示 and 异议, 群众评价, 村民说事, and a member's own meetings and vote."""

from django.urls import URLPattern, path

from sanzhi.web.views import deliberation_resident as views

urlpatterns: list[URLPattern] = [
    path("me/deliberation/", views.delib_home, name="delib_my_home"),
    path("me/deliberation/notices/", views.delib_notices, name="delib_my_notices"),
    path("me/deliberation/notices/<int:pk>/", views.delib_notice, name="delib_my_notice"),
    path("me/deliberation/evaluations/", views.delib_evaluations, name="delib_my_evaluations"),
    path("me/deliberation/evaluations/<int:pk>/", views.delib_evaluate, name="delib_my_evaluate"),
    path("me/deliberation/sayings/", views.delib_sayings, name="delib_my_sayings"),
    path("me/deliberation/meetings/", views.delib_meetings, name="delib_my_meetings"),
    path("me/deliberation/meetings/<int:pk>/", views.delib_meeting, name="delib_my_meeting"),
    path("me/deliberation/meetings/<int:pk>/vote/", views.delib_vote, name="delib_my_vote"),
]
