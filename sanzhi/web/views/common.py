"""What every console view shares: login required, domain errors turned into HTTP answers."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

from sanzhi.core.errors import DomainError, Forbidden, NotFound

PAGE_SIZE = 50

View = Callable[..., HttpResponse]


def console_view(view: View) -> View:
    """Login required; an out-of-scope object is a 404 (its existence is not disclosed)."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except Forbidden as exc:
            raise PermissionDenied(exc.message) from exc

    return login_required(wrapped)


def require(condition: bool) -> None:
    """Missing capability for a page looks the same as a missing page."""
    if not condition:
        raise Http404


def is_htmx(request: HttpRequest) -> bool:
    """An htmx swap wants a fragment; a history restore (cache miss on Back) wants the whole page."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def render_page_or_fragment(
    request: HttpRequest, page: str, fragment: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    response = render(request, fragment if is_htmx(request) else page, context, status=status)
    # Same URL, two bodies: caches (and the browser's Back) must keep them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


def client_ip(request: HttpRequest) -> str | None:
    # REMOTE_ADDR only: behind a proxy, the deployment's proxy sets it (see README, gunicorn
    # --forwarded-allow-ips); trusting X-Forwarded-For here would let anyone forge the PII log.
    return request.META.get("REMOTE_ADDR") or None


def paginate(request: HttpRequest, items: Any, per_page: int = PAGE_SIZE) -> Page:
    paginator = Paginator(items, per_page)
    return paginator.get_page(request.GET.get("page"))


__all__ = ["DomainError", "console_view", "is_htmx", "paginate", "render_page_or_fragment", "require"]
