"""诉求分类 pages: who sees them, the tree with limits, editing, export and import with errors."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from io import BytesIO
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from sanzhi.core.models import AuditEvent
from sanzhi.core.tabular import read_table_bytes
from sanzhi.core.testing import Town
from sanzhi.tickets.categories import ensure_default_categories
from sanzhi.tickets.categories_io import COLUMNS
from sanzhi.tickets.clock import limits_for
from sanzhi.tickets.models import Category
from sanzhi.tickets.states import Level

ClientAs = Callable[[str], Client]
URL = reverse("web:categories")
ALLOWED = {"street", "sysadmin"}
DENIED = ["resident", "rep", "gridworker", "secretary", "dept", "council", "outsider", "nobody"]


@pytest.fixture(autouse=True)
def _default_categories(db: None) -> None:
    # A transactional (browser) test earlier in this process flushes the seeded tree.
    ensure_default_categories()


def text(response: Any) -> str:
    return response.content.decode()


@pytest.mark.parametrize("persona", sorted(ALLOWED) + DENIED)
def test_pages_and_nav_link_per_persona(town: Town, client_as: ClientAs, persona: str) -> None:
    client = client_as(persona)
    home = text(client.get(reverse("web:home")))
    pages = [URL, reverse("web:category_new"), reverse("web:category_edit", args=["E0102"])]
    if persona in ALLOWED:
        assert all(client.get(url).status_code == 200 for url in pages)
        assert URL in home
    else:
        assert all(client.get(url).status_code == 404 for url in pages)
        assert client.get(reverse("web:category_export")).status_code == 404
        assert URL not in home
        response = client.post(
            reverse("web:category_edit", args=["E0102"]), {"name": "改名", "kind": "event"}
        )
        assert response.status_code == 404
        assert Category.objects.get(code="E0102").name == "暴露垃圾"


def test_the_tree_shows_own_and_inherited_limits(town: Town, client_as: ClientAs) -> None:
    page = text(client_as("street").get(URL))
    assert 'data-code="E04"' in page and 'data-code="E0401"' in page and "突发事件" in page
    assert "0.5/2" in page  # 突发事件 at the grid
    assert page.index('data-code="E04"') < page.index('data-code="E0401"')


def test_edit_a_category_and_its_limits(town: Town, client_as: ClientAs) -> None:
    client = client_as("street")
    url = reverse("web:category_edit", args=["E0102"])
    data = {
        "name": "暴露垃圾",
        "name_en": "Exposed rubbish",
        "parent": "E01",
        "kind": "event",
        "department": "",
        "grid_may_close": "on",
        "keywords": "垃圾, 清运",
        "active": "on",
        "grid_response": "1",
        "grid_resolve": "6",
    }
    response = client.post(url, data)
    assert response.status_code == 302, text(response)
    litter = Category.objects.get(code="E0102")
    assert litter.keywords == "垃圾 清运"
    assert limits_for(litter, Level.GRID) == (Decimal(1), Decimal(6))
    assert AuditEvent.objects.filter(action="category.limits", subject_id=str(litter.pk)).exists()
    # Half a pair, and resolve before response: the form says so and nothing changes.
    bad = client.post(url, {**data, "grid_resolve": ""})
    assert bad.status_code == 400 and "同时填写" in text(bad)
    bad = client.post(url, {**data, "grid_response": "8", "grid_resolve": "2"})
    assert bad.status_code == 400 and "办结时限不能短于响应时限" in text(bad)
    assert limits_for(Category.objects.get(code="E0102"), Level.GRID) == (Decimal(1), Decimal(6))


def test_create_a_subclass(town: Town, client_as: ClientAs) -> None:
    response = client_as("sysadmin").post(
        reverse("web:category_new"),
        {"code": "D0106x", "name": "占道晾晒", "parent": "D01", "kind": "demand", "active": "on"},
    )
    assert response.status_code == 302
    created = Category.objects.get(code="D0106x")
    assert created.parent is not None and created.parent.code == "D01"
    taken = client_as("sysadmin").post(
        reverse("web:category_new"), {"code": "D0106x", "name": "x", "kind": "demand"}
    )
    assert taken.status_code == 400 and "已被使用" in text(taken)


def test_export_then_import_errors_and_success(town: Town, client_as: ClientAs) -> None:
    client = client_as("street")
    exported = client.get(reverse("web:category_export"))
    assert exported.status_code == 200
    table = read_table_bytes(exported.content, filename="c.xlsx", required=COLUMNS)
    assert len(list(table)) == Category.objects.count()

    bad = "编码,名称,上级编码\nW01,,\nW02,好,NOPE\n".encode()
    response = client.post(URL, {"file": SimpleUploadedFile("c.csv", bad, content_type="text/csv")})
    page = text(response)
    assert response.status_code == 400
    assert 'data-testid="category-import-nothing-written"' in page
    assert "名称不能为空" in page and "NOPE" in page
    assert not Category.objects.filter(code__in=["W01", "W02"]).exists()

    good = "编码,名称,上级编码,类别\nW01,新类,,部件\n".encode()
    response = client.post(URL, {"file": SimpleUploadedFile("c.csv", BytesIO(good).read())})
    assert response.status_code == 200 and 'data-testid="category-import-ok"' in text(response)
    assert Category.objects.get(code="W01").kind == "part"

    wrong = client.post(URL, {"file": SimpleUploadedFile("c.pdf", b"%PDF")})
    assert wrong.status_code == 400 and 'data-testid="category-import-error"' in text(wrong)
