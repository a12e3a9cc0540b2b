"""三务公开栏 and the publication chain, for anyone without login (sanzhi.web.views.disclosure_public)."""

from django.urls import URLPattern, path

from sanzhi.web.views import disclosure_public

urlpatterns: list[URLPattern] = [
    path("public/disclosure/<str:code>/", disclosure_public.board, name="disclosure_public_board"),
    path("public/disclosure/<str:code>/kiosk/", disclosure_public.kiosk, name="disclosure_public_kiosk"),
    path("public/disclosure/<str:code>/<int:seq>/", disclosure_public.item, name="disclosure_public_item"),
    path(
        "public/disclosure/<str:code>/<int:seq>.pdf", disclosure_public.item_pdf, name="disclosure_public_pdf"
    ),
    path("public/publications.json", disclosure_public.chain_json, name="publications_json"),
    path("public/publications/<int:seq>.json", disclosure_public.item_json, name="publication_json"),
]
