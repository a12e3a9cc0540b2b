"""The printable PDF of a published item (WeasyPrint): A4, Chinese text that survives extraction
(so the font really is a CJK one), the finance table with its totals, and the chain's hashes."""

from __future__ import annotations

import io
import sys
import urllib.request
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader
from weasyprint import HTML

from sanzhi.core.testing import Town
from sanzhi.disclosure.models import PublicationKind
from sanzhi.disclosure.pdf import render_pdf
from sanzhi.disclosure.tests.publication_kit import finance_content, plain_http, publish

__all__ = ["plain_http"]
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("plain_http")]

A4_POINTS = (595, 842)


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    assert all(
        (round(float(p.mediabox.width)), round(float(p.mediabox.height))) == A4_POINTS for p in reader.pages
    )
    # Extraction may break a line anywhere; compare without whitespace.
    return "".join("".join(page.extract_text() or "" for page in reader.pages).split())


@pytest.fixture(autouse=True)
def _no_cached_pdfs() -> None:
    cache.clear()


def test_a_finance_disclosure_prints_in_chinese_with_its_totals(town: Town, client: Client) -> None:
    item = publish(town.village, "2026年9月财务收支公开", finance_content())
    response = client.get(reverse("web:disclosure_public_pdf", args=[town.village.code, item.seq]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "public" in response["Cache-Control"]
    text = text_of(response.content)
    for expected in (
        "创举社区三务公开栏",
        "2026年9月财务收支公开",
        "上级转移支付",
        "村道路灯维修",
        "平昌县明亮电器",
        "收入合计",
        "120,000.00",
        "支出合计",
        "3,557.28",
        "收支相抵",
        "116,442.72",
        "村务监督委员会",
    ):
        assert expected in text, expected
    assert item.hash[:32] in text and item.prev_hash[:32] in text


def test_a_resolution_and_its_correction_print_their_text(town: Town, client: Client) -> None:
    original = publish(
        town.village,
        "关于修建文化广场的决议",
        {"text": "经村民代表会议表决，同意修建文化广场。", "matter": "修建文化广场"},
        kind=PublicationKind.RESOLUTION,
    )
    fix = publish(
        town.village,
        "关于修建文化广场的决议（更正）",
        {"text": "经村民代表会议表决，同意修建文化广场及停车场。"},
        kind=PublicationKind.RESOLUTION,
        corrects=original,
    )
    text = text_of(client.get(reverse("web:disclosure_public_pdf", args=[town.village.code, 1])).content)
    assert "同意修建文化广场" in text and "本条内容已被更正" in text and f"#{fix.seq}" in text
    text = text_of(client.get(reverse("web:disclosure_public_pdf", args=[town.village.code, 2])).content)
    assert "同意修建文化广场及停车场" in text and "本条是对以下内容的更正" in text


def test_published_markup_is_printed_as_text_and_fetches_nothing(
    town: Town, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    item = publish(town.village, "公示<b>加粗</b>", {"text": '<img src="http://example.invalid/x.png">图片'})
    text = text_of(
        client.get(reverse("web:disclosure_public_pdf", args=[town.village.code, item.seq])).content
    )
    assert "公示<b>加粗</b>" in text and '<imgsrc="http://example.invalid/x.png">图片' in text

    opened: list[str] = []

    def record(self: Any, url: Any, *args: Any, **kwargs: Any) -> Any:
        opened.append(str(getattr(url, "full_url", url)))
        raise OSError("offline")

    monkeypatch.setattr(urllib.request.OpenerDirector, "open", record)
    html = '<p>图片</p><img src="http://127.0.0.1:9/x.png"><link rel="stylesheet" href="http://127.0.0.1:9/x.css">'
    HTML(string=html).write_pdf()  # WeasyPrint's own fetcher would go out for both
    assert len(opened) == 2
    opened.clear()
    assert "图片" in text_of(render_pdf(html))
    assert opened == []


def test_a_missing_item_has_no_pdf(town: Town, client: Client) -> None:
    item = publish(town.other_village, "白衣村公示", {"text": "x"})
    assert (
        client.get(reverse("web:disclosure_public_pdf", args=[town.village.code, item.seq])).status_code
        == 404
    )
    assert client.get(reverse("web:disclosure_public_pdf", args=["000000000000", 1])).status_code == 404


def test_without_weasyprint_the_pdf_is_unavailable_not_an_error(
    town: Town, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    item = publish(town.village, "公示", {"text": "x"})
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # as on a machine without Pango
    response = client.get(reverse("web:disclosure_public_pdf", args=[town.village.code, item.seq]))
    assert response.status_code == 503
    assert "ensure-system.sh" in response.content.decode()
    assert (
        client.get(reverse("web:disclosure_public_item", args=[town.village.code, item.seq])).status_code
        == 200
    )
