"""诉求分类 in a real browser: a street admin shortens a class's grid limit and sees it in the tree,
then uploads a sheet with a bad row and reads the per-row error report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sanzhi.core.testing import Town
from sanzhi.tickets.categories import ensure_default_categories
from sanzhi.tickets.models import Category
from sanzhi.web.tests.conftest import shot
from sanzhi.web.tests.test_browser import live_town, login

pytestmark = pytest.mark.browser
__all__ = ["live_town"]  # the fixture, imported for this module


def test_edit_limits_and_import_with_errors(
    live_town: Town, live_server: Any, page: Any, tmp_path: Path
) -> None:
    ensure_default_categories()  # an earlier transactional test may have flushed the seed
    login(page, live_server, "street")
    page.wait_for_url(f"{live_server.url}/")
    page.click("a.nav-link:has-text('诉求分类')")
    page.wait_for_url(f"{live_server.url}/categories/")
    row = page.locator("[data-testid=category-row][data-code=E0102]")
    row.locator("[data-testid=category-edit]").click()
    page.fill("[data-testid=limit-grid_response]", "1")
    page.fill("[data-testid=limit-grid_resolve]", "4")
    page.click("[data-testid=category-save]")
    page.wait_for_url(f"{live_server.url}/categories/#c-E0102")
    assert "1/4" in page.locator("[data-testid=category-row][data-code=E0102]").inner_text()
    shot(page, "20-categories")

    sheet = tmp_path / "categories.csv"
    sheet.write_text("编码,名称,上级编码\nT01,,\nT02,好名字,NOPE\n", encoding="utf-8")
    page.set_input_files("[data-testid=category-import-file]", str(sheet))
    page.click("[data-testid=category-import-submit]")
    errors = page.locator("[data-testid=category-import-errors] tbody tr")
    errors.first.wait_for()
    assert errors.count() == 2
    assert "名称不能为空" in errors.nth(0).inner_text()
    assert "NOPE" in errors.nth(1).inner_text()
    assert not Category.objects.filter(code__in=["T01", "T02"]).exists()
    shot(page, "21-categories-import-errors")
