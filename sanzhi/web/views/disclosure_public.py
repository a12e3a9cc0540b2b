"""三务公开栏 for anyone, without login: a node's published items (the board, one item, the smart
screen's kiosk view, the printable PDF) and the publication chain's public JSON.

Every page is made from ``Publication`` rows, which never change: the JSON and the PDF of an item
may be cached by anyone; the chain's pages carry the head they were cut at.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.http import urlencode
from django.views.decorators.http import etag, require_safe

from sanzhi.core.errors import NotFound
from sanzhi.disclosure import public
from sanzhi.disclosure.pdf import PdfUnavailable, publication_pdf
from sanzhi.grids.models import Node

JSON_PARAMS = {"ensure_ascii": False}
# The chain only grows; a page or the head may be a minute old in a cache.
CHAIN_MAX_AGE = 60
ITEM_MAX_AGE = 24 * 3600
KIOSK_REFRESH_SECONDS = 300
KIOSK_SLIDE_SECONDS = 20


def _node(code: str) -> Node:
    try:
        return public.public_node(code=code)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _item(node: Node, seq: int) -> public.PublicItem:
    try:
        return public.publication_get_public(node=node, seq=seq)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _int_param(request: HttpRequest, name: str, default: int | None) -> int | None:
    value = request.GET.get(name, "")
    # Digits only, and no more than a bigint holds (seqs are bigints).
    return int(value) if value.isdigit() and len(value) <= 18 else default


@require_safe
def board(request: HttpRequest, code: str) -> HttpResponse:
    node = _node(code)
    show = request.GET.get("show") or None
    if show not in public.FILTERS:
        show = None
    page = public.board_page(node=node, show=show, before=_int_param(request, "before", None))
    older_url = ""
    if page.older is not None:
        older_url = "?" + urlencode({k: v for k, v in (("show", show), ("before", page.older)) if v})
    context = {
        "node": node,
        "page": page,
        "show": show,
        "filters": list(public.FILTERS.items()),
        "older_url": older_url,
        "newest": "before" in request.GET,
        "active": "disclosure_public",
    }
    return render(request, "web/disclosure/public_board.html", context)


@require_safe
def item(request: HttpRequest, code: str, seq: int) -> HttpResponse:
    node = _node(code)
    found = _item(node, seq)
    context = {
        "node": node,
        "item": found,
        "p": found.publication,
        "c": found.presented,
        "active": "disclosure_public",
    }
    return render(request, "web/disclosure/public_item.html", context)


@require_safe
def item_pdf(request: HttpRequest, code: str, seq: int) -> HttpResponse:
    node = _node(code)
    found = _item(node, seq)
    try:
        pdf = publication_pdf(
            item=found,
            node=node,
            json_url=request.build_absolute_uri(reverse("web:publication_json", args=[seq])),
            page_url=request.build_absolute_uri(reverse("web:disclosure_public_item", args=[code, seq])),
        )
    except PdfUnavailable as exc:
        return HttpResponse(exc.message, status=exc.http_status, content_type="text/plain; charset=utf-8")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="publication-{seq}.pdf"'
    patch_cache_control(response, public=True, max_age=ITEM_MAX_AGE)
    return response


@require_safe
def kiosk(request: HttpRequest, code: str) -> HttpResponse:
    node = _node(code)
    context = {
        "node": node,
        "slides": public.kiosk_items(node=node),
        "refresh": KIOSK_REFRESH_SECONDS,
        "slide_ms": KIOSK_SLIDE_SECONDS * 1000,
    }
    response = render(request, "web/disclosure/public_kiosk.html", context)
    patch_cache_control(response, public=True, max_age=CHAIN_MAX_AGE)
    return response


# ---------------------------------------------------------------- the chain's public JSON


def _chain_etag(request: HttpRequest) -> str:
    seq, head = public.chain_head()
    return f"{head[:16]}-{seq}-{request.GET.get('after', '')}-{request.GET.get('limit', '')}"


@require_safe
@etag(_chain_etag)
def chain_json(request: HttpRequest) -> HttpResponse:
    after = _int_param(request, "after", 0) or 0
    limit = _int_param(request, "limit", public.JSON_LIMIT) or public.JSON_LIMIT
    page = public.chain_page(after=after, limit=limit)
    next_url = None
    if page.more:
        query = urlencode({"after": page.items[-1]["seq"], "limit": limit})
        next_url = request.build_absolute_uri(f"{reverse('web:publications_json')}?{query}")
    data: dict[str, Any] = {
        "head": {"seq": page.head[0], "hash": page.head[1]},
        "items": page.items,
        "next": next_url,
    }
    response = JsonResponse(data, json_dumps_params=JSON_PARAMS)
    patch_cache_control(response, public=True, max_age=CHAIN_MAX_AGE)
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
def item_json(request: HttpRequest, seq: int) -> HttpResponse:
    try:
        data = public.chain_item(seq=seq)
    except NotFound as exc:
        return JsonResponse(
            {"code": exc.code, "message": exc.message}, status=404, json_dumps_params=JSON_PARAMS
        )
    response = JsonResponse(data, json_dumps_params=JSON_PARAMS)
    response["ETag"] = f'"{data["hash"]}"'
    patch_cache_control(response, public=True, max_age=ITEM_MAX_AGE)
    response["Access-Control-Allow-Origin"] = "*"
    return response
