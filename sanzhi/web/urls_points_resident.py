"""Points pages for residents (my points, history, stars, the store) and the public (lists, stars)."""

from django.urls import URLPattern, path

from sanzhi.web.views import points_public, points_resident

urlpatterns: list[URLPattern] = [
    path("me/points/", points_resident.points_mine, name="points_my_accounts"),
    path("me/points/<int:account_id>/history/", points_resident.points_history, name="points_my_history"),
    path("me/points/store/", points_resident.points_store, name="points_my_store"),
    path("me/points/store/<int:goods_id>/redeem/", points_resident.points_redeem, name="points_my_redeem"),
    path(
        "me/points/redemptions/<int:redemption_id>/cancel/",
        points_resident.points_redemption_cancel,
        name="points_my_cancel",
    ),
    path("public/points/<str:code>/", points_public.public_board, name="points_public_board"),
    path(
        "public/points/<str:code>/boards/<int:board_id>/appeal/",
        points_public.public_appeal,
        name="points_public_appeal",
    ),
]
