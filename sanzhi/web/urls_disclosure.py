"""三务公开 console pages: the calendar, the 公开目录, the disclosures, their finance lines."""

from django.urls import URLPattern, path

from sanzhi.web.views import disclosure_console, disclosure_detail, disclosure_lines, disclosure_plans

urlpatterns: list[URLPattern] = [
    path("disclosure/", disclosure_console.disclosure_list, name="disclosure_list"),
    path("disclosure/calendar/", disclosure_console.disclosure_calendar, name="disclosure_calendar"),
    path("disclosure/new/", disclosure_console.disclosure_new, name="disclosure_new"),
    path("disclosure/plans/", disclosure_plans.disclosure_plans, name="disclosure_plans"),
    path("disclosure/plans/new/", disclosure_plans.disclosure_plan_edit, name="disclosure_plan_new"),
    path("disclosure/plans/adopt/", disclosure_plans.disclosure_plans_adopt, name="disclosure_plans_adopt"),
    path("disclosure/plans/<int:pk>/", disclosure_plans.disclosure_plan_edit, name="disclosure_plan_edit"),
    path(
        "disclosure/plans/<int:pk>/active/",
        disclosure_plans.disclosure_plan_active,
        name="disclosure_plan_active",
    ),
    path("disclosure/<int:pk>/", disclosure_detail.disclosure_detail, name="disclosure_detail"),
    path(
        "disclosure/<int:pk>/publish/", disclosure_detail.disclosure_publish_page, name="disclosure_publish"
    ),
    path(
        "disclosure/<int:pk>/correct/", disclosure_detail.disclosure_correct_view, name="disclosure_correct"
    ),
    path(
        "disclosure/<int:pk>/discard/", disclosure_detail.disclosure_discard_view, name="disclosure_discard"
    ),
    path("disclosure/<int:pk>/lines/", disclosure_lines.disclosure_lines, name="disclosure_lines"),
    path("disclosure/<int:pk>/lines/add/", disclosure_lines.disclosure_line_add, name="disclosure_line_add"),
    path(
        "disclosure/<int:pk>/lines/<int:line_id>/edit/",
        disclosure_lines.disclosure_line_edit,
        name="disclosure_line_edit",
    ),
    path(
        "disclosure/<int:pk>/lines/<int:line_id>/remove/",
        disclosure_lines.disclosure_line_remove,
        name="disclosure_line_remove",
    ),
    path(
        "disclosure/<int:pk>/lines/import/",
        disclosure_lines.disclosure_lines_import,
        name="disclosure_lines_import",
    ),
    path(
        "disclosure/<int:pk>/lines/export.<str:ext>",
        disclosure_lines.disclosure_lines_export,
        name="disclosure_lines_export",
    ),
]
