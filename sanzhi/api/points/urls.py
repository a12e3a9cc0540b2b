"""``/api/v1/points/``: schemes and their set-up, accounts, the ledger and the review, stars, 红黑榜,
and the points supermarket."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from sanzhi.api.points import board_views, catalog_views, store_views, views

urlpatterns: list[URLPattern | URLResolver] = [
    # schemes and their catalog
    path("templates/", catalog_views.TemplateListView.as_view(), name="points-template-list"),
    path("schemes/", views.SchemeListView.as_view(), name="points-scheme-list"),
    path("schemes/adopt", catalog_views.SchemeAdoptView.as_view(), name="points-scheme-adopt"),
    path("schemes/<int:id>", catalog_views.SchemeView.as_view(), name="points-scheme-detail"),
    path(
        "schemes/<int:id>/categories",
        catalog_views.CategoryCreateView.as_view(),
        name="points-category-create",
    ),
    path("schemes/<int:id>/rules", catalog_views.RuleCreateView.as_view(), name="points-rule-create"),
    path("rules/<int:id>", catalog_views.RuleUpdateView.as_view(), name="points-rule-update"),
    # stars and tiers
    path("schemes/<int:id>/stars", catalog_views.StarCreateView.as_view(), name="points-star-create"),
    path("stars/<int:id>", catalog_views.StarUpdateView.as_view(), name="points-star-update"),
    path(
        "schemes/<int:id>/evaluate", catalog_views.StarsEvaluateView.as_view(), name="points-stars-evaluate"
    ),
    path(
        "schemes/<int:id>/recultivation",
        catalog_views.RecultivationView.as_view(),
        name="points-stars-recultivation",
    ),
    path("schemes/<int:id>/plaque", catalog_views.PlaqueView.as_view(), name="points-stars-plaque"),
    path("schemes/<int:id>/tiers", catalog_views.TierCreateView.as_view(), name="points-tier-create"),
    path(
        "schemes/<int:id>/tiers/assign", catalog_views.TiersAssignView.as_view(), name="points-tiers-assign"
    ),
    path("ranking", catalog_views.RankingView.as_view(), name="points-ranking"),
    # accounts and the ledger
    path("accounts/", views.AccountListView.as_view(), name="points-account-list"),
    path("accounts/<int:id>", views.AccountDetailView.as_view(), name="points-account-detail"),
    path("accounts/<int:id>/entries", views.AccountEntriesView.as_view(), name="points-account-entries"),
    path(
        "accounts/<int:id>/star-changes", catalog_views.StarHistoryView.as_view(), name="points-star-history"
    ),
    path("entries/", views.EntryCreateView.as_view(), name="points-entry-create"),
    path("entries/decide", views.EntryDecideView.as_view(), name="points-entry-decide"),
    path("entries/<int:id>/reverse", views.EntryReverseView.as_view(), name="points-entry-reverse"),
    path("entries/<int:id>/evidence", views.EntryEvidenceView.as_view(), name="points-entry-evidence"),
    path("review/", views.ReviewView.as_view(), name="points-review"),
    # 红黑榜
    path("boards/", board_views.BoardListView.as_view(), name="points-board-list"),
    path("boards/publish", board_views.BoardPublishView.as_view(), name="points-board-publish"),
    path("boards/<int:id>", board_views.BoardDetailView.as_view(), name="points-board-detail"),
    path("boards/<int:id>/appeals", board_views.BoardAppealsView.as_view(), name="points-board-appeals"),
    path("appeals/<int:id>/decide", board_views.AppealDecideView.as_view(), name="points-appeal-decide"),
    # 积分超市
    path("goods/", store_views.GoodsView.as_view(), name="points-goods-list"),
    path("goods/<int:id>", store_views.GoodsUpdateView.as_view(), name="points-goods-update"),
    path("goods/<int:id>/restock", store_views.GoodsRestockView.as_view(), name="points-goods-restock"),
    path("donors/", store_views.DonorListView.as_view(), name="points-donor-list"),
    path("windows/", store_views.WindowListView.as_view(), name="points-window-list"),
    path("redemptions/", store_views.RedemptionListView.as_view(), name="points-redemption-list"),
    path(
        "redemptions/<int:id>/cancel",
        store_views.RedemptionCancelView.as_view(),
        name="points-redemption-cancel",
    ),
    path(
        "redemptions/<int:id>/pickup",
        store_views.RedemptionPickupView.as_view(),
        name="points-redemption-pickup",
    ),
    path("stats", store_views.StatsView.as_view(), name="points-stats"),
]
