from django.urls import path

from sanzhi.web.views import (
    auth,
    browse,
    calendar,
    categories,
    coverage,
    kpis,
    registry_import,
    reveal,
    tickets,
    tickets_inbox,
    tickets_public,
    tickets_staff,
)

app_name = "web"
urlpatterns = [
    path("login/", auth.login_view, name="login"),
    path("logout/", auth.logout_view, name="logout"),
    path("", browse.home, name="home"),
    path("nodes/<str:code>/", browse.node, name="node"),
    path("nodes/<str:code>/children/", browse.node_children, name="node_children"),
    path("households/<int:pk>/", browse.household, name="household"),
    path("residents/", browse.residents, name="residents"),
    path("residents/<int:pk>/", browse.resident, name="resident"),
    path("residents/<int:pk>/reveal/", reveal.resident_reveal, name="resident_reveal"),
    path("import/", registry_import.import_page, name="import"),
    path("import/template.xlsx", registry_import.import_template, name="import_template"),
    path("coverage/", coverage.coverage_page, name="coverage"),
    path("calendar/", calendar.calendar_page, name="calendar"),
    path("calendar/remove/", calendar.calendar_remove, name="calendar_remove"),
    # 诉求 (demands): resident pages, the work queue, one ticket, the inbox, the public board.
    path("tickets/", tickets_staff.ticket_queue, name="ticket_queue"),
    path("tickets/new/", tickets.ticket_report, name="ticket_report"),
    path("tickets/intake/", tickets_staff.ticket_intake, name="ticket_intake"),
    path("tickets/suggest/", tickets.ticket_suggest, name="ticket_suggest"),
    path("tickets/mine/", tickets.tickets_mine, name="tickets_mine"),
    path("tickets/<int:pk>/", tickets.ticket_detail, name="ticket_detail"),
    path("tickets/<int:pk>/<slug:action>/", tickets.ticket_act, name="ticket_act"),
    path("tickets/attachments/<int:pk>/", tickets.ticket_attachment, name="ticket_attachment"),
    path("inbox/", tickets_inbox.inbox, name="inbox"),
    path("inbox/read/", tickets_inbox.inbox_read, name="inbox_read"),
    path("public/tickets/<str:code>/", tickets_public.public_board, name="public_tickets"),
    path("kpis/", kpis.kpis_page, name="kpis"),
    path("kpis/export.xlsx", kpis.kpis_export, name="kpis_export"),
    path("kpis/print/", kpis.kpis_print, name="kpis_print"),
    path("categories/", categories.categories_page, name="categories"),
    path("categories/new/", categories.category_edit, name="category_new"),
    path("categories/export.xlsx", categories.category_export, name="category_export"),
    path("categories/<str:code>/", categories.category_edit, name="category_edit"),
]

# 积分 (points): console pages, then resident and public pages.
from sanzhi.web import urls_points, urls_points_resident  # noqa: E402

urlpatterns += urls_points.urlpatterns + urls_points_resident.urlpatterns

# 议事协商 and 三务公开: console pages, resident pages, the public board and the publication chain.
from sanzhi.web import (  # noqa: E402
    urls_deliberation,
    urls_deliberation_resident,
    urls_disclosure,
    urls_disclosure_public,
)

urlpatterns += (
    urls_deliberation.urlpatterns
    + urls_deliberation_resident.urlpatterns
    + urls_disclosure.urlpatterns
    + urls_disclosure_public.urlpatterns
)
