"""积分 in a real browser: the 联户长 records two deeds on a phone (one with a camera photo, one a range
rule with its value), the community secretary approves them in one batch and sees the balance, the
grid worker redeems at the counter on the household's behalf and hands the goods over (核销)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sanzhi.core.testing import Town
from sanzhi.points.models import Entry, EntryKind, Redemption, RedemptionState
from sanzhi.points.testing import PointsWorld, build_points_world
from sanzhi.web.tests.conftest import shot
from sanzhi.web.tests.test_browser import live_town, no_horizontal_overflow
from sanzhi.web.tests.test_tickets_browser import image_loaded, open_as
from sanzhi.web.tests.test_tickets_views import PNG

pytestmark = pytest.mark.browser
__all__ = ["live_town", "open_as"]  # fixtures, imported for this module


@pytest.fixture
def live_points(live_town: Town, settings: Any, tmp_path: Path) -> PointsWorld:
    settings.MEDIA_ROOT = tmp_path / "media"
    return build_points_world(live_town)


@pytest.fixture
def photo_file(tmp_path: Path) -> Path:
    path = tmp_path / "deed.png"
    path.write_bytes(PNG)
    return path


def pick_account(page: Any, query: str, name: str) -> None:
    page.fill("[data-testid=account-search]", query)
    option = page.locator("[data-testid=account-option]", has_text=name)
    option.wait_for()
    page.wait_for_function("() => !document.querySelector('.htmx-request')")
    option.click()
    assert option.locator("input").is_checked()


def test_record_review_redeem_pickup(
    live_points: PointsWorld, live_server: Any, open_as: Any, photo_file: Path
) -> None:
    pw = live_points
    # The 联户长, on a phone: 记分 with a camera photo.
    rep = open_as("rep", phone=True)
    rep.click(".navbar-toggler")
    rep.click("[data-testid=nav-points]")
    rep.click("[data-testid=go-record]")
    pick_account(rep, "101", "创举社区1号楼101")
    rep.select_option("#id_rule", str(pw.rules["volunteer"].pk))
    assert rep.is_hidden("[data-field=points]")  # a fixed value asks for none
    rep.fill("#id_note", "周末清扫楼道")
    rep.set_input_files("#id_evidence", str(photo_file))
    assert rep.get_attribute("#id_evidence", "capture") == "environment"
    shot(rep, "p01-record-phone")
    assert no_horizontal_overflow(rep)
    rep.click("[data-testid=record-submit]")
    rep.locator(".alert-success", has_text="+10 分（待审核）").wait_for()
    # A range rule: the value field shows; a value out of range comes back with the message.
    pick_account(rep, "张建国", "创举社区1号楼101")
    rep.select_option("#id_rule", str(pw.rules["helping"].pk))
    assert rep.is_visible("[data-field=points]")
    rep.fill("#id_points", "50")
    rep.click("[data-testid=record-submit]")
    rep.locator(
        "[data-testid=field-error], [data-testid=form-error]", has_text="不在该细则允许的范围"
    ).wait_for()
    assert Entry.objects.filter(kind=EntryKind.AWARD).count() == 1
    rep.fill("#id_points", "20")
    rep.click("[data-testid=record-submit]")
    rep.locator(".alert-success", has_text="+20 分（待审核）").wait_for()
    assert Entry.objects.filter(kind=EntryKind.AWARD).count() == 2

    # The secretary: the month's review, the photo through the scoped view, one batch.
    secretary = open_as("secretary")
    secretary.click("[data-testid=nav-points]")
    assert secretary.inner_text("[data-testid=stat-pending]") == "2"
    secretary.click("[data-testid=go-review]")
    assert secretary.locator("[data-testid=claim-row]").count() == 2
    assert image_loaded(secretary, "[data-testid=claim-photo] img")
    secretary.check("[data-testid=review-form] [data-check-all]")
    secretary.fill("#review-note", "11月审核")
    shot(secretary, "p02-review")
    secretary.click("[data-testid=approve-submit]")
    secretary.locator(".alert-success", has_text="已审核通过 2 条申报").wait_for()
    secretary.click("[data-testid=tab-accounts]")
    row = secretary.locator("[data-testid=account-row]", has_text="1号楼101")
    assert row.locator("[data-testid=account-total]").inner_text() == "30"
    row.locator("a").click()
    assert secretary.inner_text("[data-testid=balance-redeemable]") == "30"
    assert secretary.locator("[data-testid=ledger-row][data-status=approved]").count() == 2

    # The grid worker at the counter, on a phone: redeem for the household, then hand it over.
    worker = open_as("gridworker", phone=True)
    worker.goto(f"{live_server.url}/points/store/?scheme={pw.scheme.pk}")
    pick_account(worker, "101", "创举社区1号楼101")
    worker.select_option("#id_goods", str(pw.goods["洗衣粉"].pk))
    worker.fill("#id_quantity", "1")
    shot(worker, "p03-redeem-phone")
    assert no_horizontal_overflow(worker)
    worker.click("[data-testid=redeem-submit]")
    worker.locator(".alert-success", has_text="洗衣粉 × 1，扣 20 分，待领取").wait_for()
    assert Redemption.objects.count() == 1
    worker.locator("[data-testid=pickup-row]", has_text="洗衣粉").locator(
        "[data-testid=pickup-submit]"
    ).click()
    worker.locator(".alert-success", has_text="已核销").wait_for()
    assert worker.locator("[data-testid=pickups-empty]").count() == 1
    assert Redemption.objects.get().state == RedemptionState.PICKED_UP
    pw.accounts["h1"].refresh_from_db()
    assert pw.accounts["h1"].redeemable == 10 and pw.accounts["h1"].total == 30
