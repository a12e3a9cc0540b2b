"""The console in a real browser (headless Debian chromium via Playwright) against a live server."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

from sanzhi.core.masking import mask_id_number
from sanzhi.core.testing import PASSWORD, Town, build_town
from sanzhi.people.idnumber import make_id_number
from sanzhi.people.models import Household, PiiAccess, Resident
from sanzhi.web.tests.conftest import shot

pytestmark = pytest.mark.browser


@pytest.fixture
def live_town(transactional_db: None) -> Town:
    return build_town()


def login(page: Any, live_server: Any, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("[data-testid=login-submit]")


def assert_styled(page: Any) -> None:
    """Bootstrap and our CSS loaded: the header has our navy background, not the browser default."""
    background = page.eval_on_selector(".sz-header", "el => getComputedStyle(el).backgroundImage")
    assert "gradient" in background
    assert page.evaluate("typeof window.htmx") == "object"
    assert page.evaluate("typeof window.bootstrap") == "object"


def no_horizontal_overflow(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth"))


def test_login_wrong_then_right_password(live_town: Town, live_server: Any, page: Any) -> None:
    login(page, live_server, "gridworker", "not-the-password")
    error = page.locator("[data-testid=login-error]")
    error.wait_for()
    assert "用户名或密码不正确" in error.inner_text()
    assert_styled(page)
    shot(page, "01-login-error")
    login(page, live_server, "gridworker")
    page.wait_for_url(f"{live_server.url}/")
    assert "您好" in page.inner_text("h1")
    assert page.locator("[data-testid=root-node]").count() == 1
    shot(page, "02-home")


def test_browse_from_township_to_household(live_town: Town, live_server: Any, page: Any) -> None:
    login(page, live_server, "street")
    page.wait_for_url(f"{live_server.url}/")
    page.click("[data-testid=root-node]")
    assert page.inner_text("[data-testid=node-name]") == "江口镇"
    # Children arrive through htmx after the page loads.
    page.locator("[data-testid=child-node]", has_text="创举社区").click()
    assert page.inner_text("[data-testid=node-name]") == "创举社区"
    assert page.inner_text("[data-testid=node-households]") == "2"
    assert page.inner_text("[data-testid=node-residents]") == "3"
    page.locator("[data-testid=child-node]", has_text="第一网格").click()
    page.locator("[data-testid=child-node]", has_text="1号楼联户单元").click()
    assert page.inner_text("[data-testid=node-name]") == "1号楼联户单元"
    page.locator("[data-testid=no-children]").wait_for()
    crumbs = page.inner_text(".breadcrumb")
    assert all(name in crumbs for name in ("江口镇", "创举社区", "第一网格"))
    shot(page, "03-node-micro")
    page.click("[data-testid=household-link]")
    assert page.inner_text("[data-testid=household-address]") == "创举社区1号楼101"
    members = page.inner_text("[data-testid=members]")
    zhang = live_town.residents["zhang"]
    assert "张建国" in members
    assert mask_id_number(zhang.id_number) in members
    assert zhang.id_number not in members
    shot(page, "04-household")


def test_reveal_a_residents_id_with_a_reason(live_town: Town, live_server: Any, page: Any) -> None:
    zhang = live_town.residents["zhang"]
    login(page, live_server, "gridworker")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/residents/{zhang.pk}/")
    assert page.inner_text("[data-testid=id-number]") == mask_id_number(zhang.id_number)
    page.click("[data-testid=reveal-open]")
    # "其他" without a note: the server answers 422 and htmx swaps the form back with the error.
    page.select_option("[data-testid=reveal-reason]", "其他")
    page.click("[data-testid=reveal-submit]")
    page.locator(".invalid-feedback", has_text="请写明事由").wait_for()
    assert page.inner_text("[data-testid=id-number]") == mask_id_number(zhang.id_number)
    assert PiiAccess.objects.count() == 0
    page.select_option("[data-testid=reveal-reason]", "入户走访")
    page.fill("[data-testid=reveal-note-input]", "核实独居老人情况")
    shot(page, "05-reveal-form")
    page.click("[data-testid=reveal-submit]")
    page.locator("[data-testid=reveal-note]").wait_for()
    assert page.inner_text("[data-testid=id-number]") == zhang.id_number
    assert page.inner_text("[data-testid=phone]") == zhang.phone.removeprefix("+86")
    assert page.url == f"{live_server.url}/residents/{zhang.pk}/"  # swapped in place by htmx
    shot(page, "06-revealed")
    access = PiiAccess.objects.get()
    assert (access.actor.username, access.resident_id, access.channel) == ("gridworker", zhang.pk, "web")
    assert access.reason == "入户走访: 核实独居老人情况"


def test_household_rep_has_no_reveal(live_town: Town, live_server: Any, page: Any) -> None:
    zhang = live_town.residents["zhang"]
    login(page, live_server, "rep")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/residents/{zhang.pk}/")
    assert page.inner_text("[data-testid=id-number]") == mask_id_number(zhang.id_number)
    assert page.locator("[data-testid=reveal-open]").count() == 0


def test_resident_search_swaps_results_in_place(live_town: Town, live_server: Any, page: Any) -> None:
    wang = live_town.residents["wang"]
    login(page, live_server, "gridworker")
    page.wait_for_url(f"{live_server.url}/")
    page.click("a.nav-link:has-text('户籍')")
    page.fill("[data-testid=search-input]", "王志强")
    page.press("[data-testid=search-input]", "Enter")
    page.wait_for_url(re.compile(r"/residents/\?q="))
    results = page.inner_text("[data-testid=resident-results]")
    assert "王志强" in results
    assert "张建国" not in results
    assert mask_id_number(wang.id_number) in results
    shot(page, "18-search")


def _csv(path: Path, rows: list[list[str]]) -> Path:
    header = ["户编号", "网格编码", "住址", "与户主关系", "姓名", "身份证号", "联系电话"]
    path.write_text("\n".join(",".join(r) for r in [header, *rows]) + "\n", encoding="utf-8")
    return path


def test_import_bad_file_then_good_file(live_town: Town, live_server: Any, page: Any, tmp_path: Path) -> None:
    micro2 = live_town.micro2.code
    good_a = make_id_number("511923", dt.date(1980, 5, 6), 511)
    good_b = make_id_number("511923", dt.date(1982, 7, 8), 522)
    bad_id = good_b[:-1] + ("0" if good_b[-1] != "0" else "1")  # wrong check character
    bad = _csv(
        tmp_path / "bad.csv",
        [
            ["H9001", micro2, "创举社区2号楼303", "户主", "赵大明", good_a, "13900001111"],
            ["H9001", "", "", "配偶", "钱小红", bad_id, ""],
        ],
    )
    households_before = Household.objects.count()
    login(page, live_server, "secretary")
    page.wait_for_url(f"{live_server.url}/")
    page.click("a.nav-link:has-text('导入')")
    page.set_input_files("[data-testid=import-file]", str(bad))
    page.click("[data-testid=import-submit]")
    report = page.locator("[data-testid=import-report]")
    report.wait_for()
    errors = page.inner_text("[data-testid=import-errors]")
    assert "3" in errors  # the bad row is the third line of the file
    assert "身份证号" in errors
    assert page.locator("[data-testid=import-nothing-written]").count() == 1
    assert Household.objects.count() == households_before
    assert not Resident.objects.filter(name="赵大明").exists()
    shot(page, "07-import-errors")

    good = _csv(
        tmp_path / "good.csv",
        [
            ["H9001", micro2, "创举社区2号楼303", "户主", "赵大明", good_a, "13900001111"],
            ["H9001", "", "", "配偶", "钱小红", good_b, ""],
        ],
    )
    page.set_input_files("[data-testid=import-file]", str(good))
    page.click("[data-testid=import-submit]")
    page.locator("[data-testid=import-ok]").wait_for()
    assert page.inner_text("[data-testid=households-imported]") == "1"
    assert page.inner_text("[data-testid=residents-imported]") == "2"
    assert page.inner_text("[data-testid=rows-rejected]") == "0"
    assert Household.objects.count() == households_before + 1
    shot(page, "08-import-ok")


def test_coverage_page(live_town: Town, live_server: Any, page: Any) -> None:
    login(page, live_server, "secretary")
    page.wait_for_url(f"{live_server.url}/")
    page.click("a.nav-link:has-text('覆盖检查')")
    assert page.inner_text("[data-testid=coverage-node]") == "创举社区"
    assert "3号楼联户单元" in page.inner_text("[data-testid=no-rep-list]")
    assert page.locator("[data-testid=coverage-communities] tbody tr").count() == 1
    shot(page, "09-coverage")


def test_language_switch_to_english_and_back(live_town: Town, live_server: Any, page: Any) -> None:
    login(page, live_server, "gridworker")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/nodes/{live_town.grid.code}/")
    assert page.get_attribute("html", "lang") == "zh-hans"
    page.click("[data-testid=lang-en]")
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert page.url == f"{live_server.url}/nodes/{live_town.grid.code}/"  # stays on the same page
    assert "Home" in page.inner_text("#sz-nav")
    shot(page, "10-english")
    page.click("[data-testid=lang-zh]")
    page.wait_for_function("document.documentElement.lang === 'zh-hans'")
    assert "本区域住户" in page.inner_text("main")


def test_phone_viewport_has_no_horizontal_overflow(
    live_town: Town, live_server: Any, phone_page: Any
) -> None:
    page = phone_page
    login(page, live_server, "secretary")
    page.wait_for_url(f"{live_server.url}/")
    assert no_horizontal_overflow(page)
    shot(page, "11-phone-home")
    village = live_town.village.code
    zhang = live_town.residents["zhang"]
    for name, path in [
        ("12-phone-node", f"/nodes/{village}/"),
        ("13-phone-household", f"/households/{live_town.households['h1'].pk}/"),
        ("14-phone-resident", f"/residents/{zhang.pk}/"),
        ("15-phone-import", "/import/"),
        ("16-phone-coverage", f"/coverage/?node={village}"),
    ]:
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        assert no_horizontal_overflow(page), path
        shot(page, name)
        if name == "13-phone-household":
            # Members are cards on a phone; the wide table is hidden.
            assert page.locator("[data-testid=members-compact]").is_visible()
            assert not page.locator("[data-testid=members]").is_visible()
    # The collapsed menu opens with a tap and shows the sections.
    page.click(".navbar-toggler")
    page.locator("#sz-nav.show").wait_for()
    assert re.search("户籍", page.inner_text("#sz-nav"))
    shot(page, "17-phone-menu")
