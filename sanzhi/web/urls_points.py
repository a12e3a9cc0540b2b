"""Points console pages (积分: recording, review, rules, accounts, stars, lists, store)."""

from django.urls import URLPattern, path

from sanzhi.web.views import (
    points_console,
    points_manage,
    points_stars,
    points_store,
    points_store_admin,
    points_support,
)

urlpatterns: list[URLPattern] = [
    path("points/", points_console.points_home, name="points_home"),
    path("points/record/", points_console.points_record_page, name="points_record"),
    path("points/accounts/search/", points_support.account_search, name="points_account_search"),
    path("points/review/", points_console.points_review, name="points_review"),
    path("points/evidence/<int:pk>/", points_console.points_evidence, name="points_evidence"),
    path("points/accounts/", points_console.points_accounts, name="points_accounts"),
    path("points/accounts/<int:pk>/", points_console.points_account, name="points_account"),
    path("points/entries/<int:pk>/reverse/", points_console.points_reverse_entry, name="points_reverse"),
    path("points/schemes/<int:pk>/rules/", points_console.points_rules, name="points_rules"),
    path("points/schemes/<int:pk>/rules/new/", points_manage.rule_edit, name="points_rule_new"),
    path(
        "points/schemes/<int:pk>/rules/<int:rule_id>/edit/", points_manage.rule_edit, name="points_rule_edit"
    ),
    path("points/schemes/<int:pk>/rules/active/", points_manage.rule_active, name="points_rule_active"),
    path("points/schemes/<int:pk>/rules/export.xlsx", points_manage.rules_export, name="points_rules_export"),
    path("points/schemes/<int:pk>/rules/import/", points_manage.rules_import, name="points_rules_import"),
    path("points/schemes/<int:pk>/stars/", points_stars.points_stars, name="points_stars"),
    path("points/schemes/<int:pk>/boards/", points_stars.points_boards, name="points_boards"),
    path("points/appeals/<int:pk>/decide/", points_stars.points_appeal_decide, name="points_appeal_decide"),
    path("points/store/", points_store.points_store, name="points_store"),
    path("points/store/redeem/", points_store.points_redeem, name="points_redeem"),
    path("points/store/restock/", points_store.points_restock, name="points_restock"),
    path("points/store/redemptions/<int:pk>/pickup/", points_store.points_pickup, name="points_pickup"),
    path("points/store/redemptions/<int:pk>/cancel/", points_store.points_cancel, name="points_cancel"),
    path("points/schemes/<int:pk>/goods/new/", points_store_admin.goods_edit, name="points_goods_new"),
    path(
        "points/schemes/<int:pk>/goods/<int:goods_id>/",
        points_store_admin.goods_edit,
        name="points_goods_edit",
    ),
    path("points/schemes/<int:pk>/donors/new/", points_store_admin.donor_new, name="points_donor_new"),
    path("points/schemes/<int:pk>/windows/new/", points_store_admin.window_new, name="points_window_new"),
    path("points/schemes/<int:pk>/tiers/", points_store_admin.tiers_page, name="points_tiers"),
]
