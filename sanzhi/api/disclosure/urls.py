"""``/api/v1/disclosure/``: the disclosure calendar (公开目录, 公开日历, 逾期提醒), disclosures with
their finance lines, import and export of the lines, publication on the public chain, corrections.
The public board and the chain's JSON are public pages (sanzhi.web), not this API."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from sanzhi.api.disclosure import plan_views, views

urlpatterns: list[URLPattern | URLResolver] = [
    # the calendar
    path("plans/", plan_views.PlanListView.as_view(), name="disclosure-plan-list"),
    path("plans/adopt-default", plan_views.PlanAdoptDefaultView.as_view(), name="disclosure-plan-adopt"),
    path("plans/<int:id>", plan_views.PlanDetailView.as_view(), name="disclosure-plan-detail"),
    path("plans/<int:id>/activate", plan_views.PlanActivateView.as_view(), name="disclosure-plan-activate"),
    path(
        "plans/<int:id>/deactivate",
        plan_views.PlanDeactivateView.as_view(),
        name="disclosure-plan-deactivate",
    ),
    path("calendar", plan_views.CalendarView.as_view(), name="disclosure-calendar"),
    path("overdue", plan_views.OverdueView.as_view(), name="disclosure-overdue"),
    # disclosures and their lines
    path("disclosures/", views.DisclosureListView.as_view(), name="disclosure-list"),
    path("disclosures/<int:id>", views.DisclosureDetailView.as_view(), name="disclosure-detail"),
    path("disclosures/<int:id>/lines", views.LineCreateView.as_view(), name="disclosure-line-create"),
    path(
        "disclosures/<int:id>/lines/import", views.LinesImportView.as_view(), name="disclosure-lines-import"
    ),
    path(
        "disclosures/<int:id>/lines/export", views.LinesExportView.as_view(), name="disclosure-lines-export"
    ),
    path("disclosures/<int:id>/publish", views.PublishView.as_view(), name="disclosure-publish"),
    path("disclosures/<int:id>/correct", views.CorrectView.as_view(), name="disclosure-correct"),
    path("lines/<int:id>", views.LineDetailView.as_view(), name="disclosure-line-detail"),
]
