"""The printable A4 page of one published item, for the physical board (公开栏), with WeasyPrint.

The Chinese text needs a CJK font that fontconfig knows (Debian: fonts-wqy-microhei, installed by
scripts/ensure-system.sh); WeasyPrint needs Pango. It is imported on first use, so a machine
without Pango still serves every other page. A published item never changes, so its PDF is cached
by the item's hash.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from sanzhi.core.errors import DomainError
from sanzhi.disclosure.public import PublicItem

TEMPLATE = "web/disclosure/public_print.html"
# Bump when the template changes, so cached PDFs of old items are made again.
LAYOUT_VERSION = 1
CACHE_SECONDS = 24 * 3600


class PdfUnavailable(DomainError):
    """WeasyPrint or the system libraries it loads (Pango) are missing on this machine."""

    http_status = 503
    default_code = "pdf_unavailable"


def render_pdf(html: str) -> bytes:
    try:
        from weasyprint import HTML
        from weasyprint.urls import URLFetcher
    except (ImportError, OSError) as exc:
        raise PdfUnavailable(
            _("本机无法生成打印版（缺少 WeasyPrint 或 Pango），请管理员运行 scripts/ensure-system.sh"),
            data={"error": str(exc)},
        ) from exc

    class NoFetch(URLFetcher):
        """Everything the page needs is inline: published text must never make the server fetch a
        URL (WeasyPrint leaves out what it cannot fetch, with a warning)."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            raise ValueError(f"no external resources in a printed disclosure: {url}")

    pdf: bytes = HTML(string=html, url_fetcher=NoFetch(allowed_protocols=())).write_pdf()
    return pdf


def publication_pdf(*, item: PublicItem, node: Any, json_url: str, page_url: str) -> bytes:
    publication = item.publication
    # The printed links carry the host the request came in on.
    where = hashlib.sha256(page_url.encode()).hexdigest()[:16]
    key = f"disclosure-pdf:{LAYOUT_VERSION}:{translation.get_language()}:{publication.hash}:{where}"
    cached = cache.get(key)
    if isinstance(cached, bytes):
        return cached
    html = render_to_string(
        TEMPLATE,
        {
            "node": node,
            "item": item,
            "p": publication,
            "c": item.presented,
            "json_url": json_url,
            "page_url": page_url,
        },
    )
    pdf = render_pdf(html)
    cache.set(key, pdf, CACHE_SECONDS)
    return pdf
