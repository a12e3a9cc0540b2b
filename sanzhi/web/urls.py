from django.urls import path

from sanzhi.web.views import auth, browse, coverage, registry_import, reveal

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
]
