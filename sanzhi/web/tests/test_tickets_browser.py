"""诉求 in a real browser: a resident reports with a photo, the grid worker registers, dispatches,
takes it up and resolves it, it is verified, the resident rates it; staff intake on a phone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sanzhi.core.testing import PASSWORD, Town
from sanzhi.tickets.models import Channel, Rating, Ticket
from sanzhi.tickets.states import Action, State
from sanzhi.tickets.testing import TicketWorld, build_ticket_world
from sanzhi.web.tests.conftest import shot
from sanzhi.web.tests.test_browser import live_town, no_horizontal_overflow
from sanzhi.web.tests.test_tickets_views import PNG

pytestmark = pytest.mark.browser
__all__ = ["live_town"]  # the fixture, imported for this module


@pytest.fixture
def live_world(live_town: Town, settings: Any, tmp_path: Path) -> TicketWorld:
    settings.MEDIA_ROOT = tmp_path / "media"
    return build_ticket_world(live_town)


@pytest.fixture
def photo_file(tmp_path: Path) -> Path:
    path = tmp_path / "litter.png"
    path.write_bytes(PNG)
    return path


@pytest.fixture
def open_as(browser: Any, live_server: Any) -> Iterator[Any]:
    contexts: list[Any] = []

    def open_page(username: str, *, phone: bool = False, **options: Any) -> Any:
        if phone:
            options.update(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
        else:
            options.setdefault("viewport", {"width": 1280, "height": 860})
        context = browser.new_context(locale="zh-CN", **options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.click("[data-testid=login-submit]")
        page.wait_for_url(f"{live_server.url}/")
        return page

    yield open_page
    for context in contexts:
        context.close()


def image_loaded(page: Any, selector: str) -> bool:
    """Whether the first image under `selector` loads (waits for it: the photo arrives after the page)."""
    try:
        page.wait_for_function(
            "sel => { const img = document.querySelector(sel);"
            " return !!img && img.complete && img.naturalWidth > 0; }",
            arg=selector,
            timeout=10_000,
        )
    except Exception:  # playwright's TimeoutError: the image never loaded (broken or missing)
        return False
    return True


def step(page: Any, action: str) -> None:
    """Submit a step's form (already filled) and wait for htmx to swap the ticket body back in."""
    page.click(f"[data-testid={action}-submit]")
    page.locator("[data-testid=ticket-notice]", has_text=f"已完成：{Action(action).label}").wait_for()


def test_report_dispatch_resolve_verify_rate(
    live_world: TicketWorld, live_server: Any, open_as: Any, photo_file: Path
) -> None:
    # The resident, on a phone: 我要反映 with a photo.
    resident = open_as("resident", phone=True)
    resident.click(".navbar-toggler")
    resident.click("[data-testid=nav-report]")
    resident.fill("#id_text", "3号楼前垃圾堆了三天没人清运，气味很大")
    resident.fill("#id_address", "创举社区3号楼前")
    resident.set_input_files("#id_photos", str(photo_file))
    shot(resident, "t01-report-phone")
    assert no_horizontal_overflow(resident)
    resident.click("[data-testid=report-submit]")
    resident.locator("[data-testid=ticket-body]").wait_for()
    ticket = Ticket.objects.get()
    assert ticket.channel == Channel.RESIDENT and ticket.attachments.count() == 1
    assert "已收到您反映的问题" in resident.inner_text("main")
    assert image_loaded(resident, "[data-testid=ticket-photos] img")  # through the scoped view

    # The grid worker: finds it under 待立案, registers with a category, dispatches to the grid worker.
    worker = open_as("gridworker")
    assert worker.locator("[data-testid=unread-badge]").count() == 0
    worker.click("[data-testid=nav-queue]")
    worker.click("[data-testid=tab-register]")
    worker.locator("[data-testid=queue-row]", has_text="垃圾堆了三天").locator("a").click()
    worker.locator("[data-testid=register-form]").wait_for()
    assert "居民" not in worker.inner_text("[data-testid=ticket-reporter]")  # the handler sees who
    worker.select_option("[name=register-category]", live_world.litter.code)
    step(worker, "register")
    assert worker.get_attribute("[data-testid=ticket-body]", "data-state") == State.REGISTERED
    # Only the default target's (no) field shows; choosing a department shows its select. The page's
    # script hides the field once loaded: wait for it (a timeout fails the test) rather than race it.
    department = worker.locator("[data-testid=dispatch-form] [data-field=department]")
    department.wait_for(state="hidden", timeout=5000)
    worker.click("[data-testid=dispatch-form] label:has-text('职能部门')")
    department.wait_for(state="visible", timeout=5000)
    worker.click("[data-testid=dispatch-form] label:has-text('本网格网格员')")
    shot(worker, "t02-dispatch")
    step(worker, "dispatch")
    assert "gridworker" in worker.inner_text("[data-testid=ticket-assignee]")
    step(worker, "accept")
    worker.fill("[name=resolve-note]", "已联系环卫公司清运完毕")
    worker.set_input_files("[name=resolve-photos]", str(photo_file))
    step(worker, "resolve")
    assert worker.get_attribute("[data-testid=ticket-body]", "data-state") == State.RESOLVED
    # 环境卫生 may be closed inside the grid: the grid worker verifies it.
    step(worker, "verify")
    assert worker.get_attribute("[data-testid=ticket-body]", "data-state") == State.CLOSED
    assert worker.url.endswith(f"/tickets/{ticket.pk}/")  # all in place, by htmx
    shot(worker, "t03-closed-staff")

    # The resident rates it.
    resident.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    resident.locator("[data-testid=rate-form]").wait_for()
    resident.click("[data-testid=rate-form] label:has-text('满意') >> nth=0")
    resident.fill("[name=rate-note]", "处理很及时，谢谢")
    shot(resident, "t04-rate-phone")
    step(resident, "rate")
    assert resident.get_attribute("[data-testid=ticket-body]", "data-state") == State.RATED
    timeline = resident.inner_text("[data-testid=timeline]")
    for label in ("上报", "立案", "派遣", "接单处置", "办结反馈", "核查结案", "评价"):
        assert label in timeline
    assert no_horizontal_overflow(resident)
    shot(resident, "t05-rated-phone")
    ticket.refresh_from_db()
    assert (ticket.state, ticket.rating) == (State.RATED, Rating.SATISFIED)
    assert list(ticket.events.order_by("id").values_list("action", flat=True)) == [
        "report",
        "register",
        "dispatch",
        "accept",
        "resolve",
        "verify",
        "rate",
    ]


def test_secretary_dispatches_and_the_worker_sees_it_in_the_inbox(
    live_world: TicketWorld, live_server: Any, open_as: Any
) -> None:
    from sanzhi.tickets.intake import ticket_create
    from sanzhi.tickets.services import ticket_register

    town = live_world.town
    ticket = ticket_create(actor=town.resident, channel=Channel.RESIDENT, text="楼道灯不亮")
    ticket_register(actor=town.secretary, ticket=ticket)
    secretary = open_as("secretary")
    secretary.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    step(secretary, "dispatch")
    worker = open_as("gridworker")
    assert worker.inner_text("[data-testid=unread-badge]") == "1"
    worker.click("[data-testid=nav-inbox]")
    assert "楼道灯不亮" in worker.inner_text("[data-testid=inbox]")
    worker.click("[data-testid=inbox-read]")
    worker.locator("[data-testid=inbox-notice]").wait_for()
    assert worker.locator("[data-testid=inbox-read]").count() == 0
    shot(worker, "t06-inbox")


def test_staff_intake_on_a_phone(
    live_world: TicketWorld, live_server: Any, open_as: Any, photo_file: Path
) -> None:
    worker = open_as(
        "gridworker",
        phone=True,
        permissions=["geolocation"],
        geolocation={"latitude": 31.5601, "longitude": 107.1012},
    )
    worker.goto(f"{live_server.url}/tickets/intake/")
    assert no_horizontal_overflow(worker)
    worker.click("[data-testid=intake-form] label:has-text('网格员巡查')")
    worker.select_option("#id_node", live_world.town.grid.code)
    worker.fill("#id_text", "巡查发现第一网格路口井盖缺失，存在安全隐患")
    worker.click("[data-testid=geolocate]")
    worker.locator("[data-testid=geolocate-status]", has_text="已获取当前位置").wait_for()
    worker.set_input_files("#id_photos", str(photo_file))
    shot(worker, "t07-intake-phone")
    # The submit button is reachable and big enough for a thumb.
    box = worker.locator("[data-testid=intake-submit]").bounding_box()
    assert box is not None and box["height"] >= 40 and box["width"] >= 300
    worker.click("[data-testid=intake-submit]")
    worker.locator("[data-testid=ticket-body]").wait_for()
    ticket = Ticket.objects.get()
    assert (ticket.channel, ticket.node, ticket.entered_by) == (
        Channel.PATROL,
        live_world.town.grid,
        live_world.town.gridworker,
    )
    assert ticket.latitude is not None and abs(float(ticket.latitude) - 31.5601) < 1e-4
    assert ticket.attachments.count() == 1
    assert no_horizontal_overflow(worker)
    shot(worker, "t08-intake-done-phone")


def test_public_board_in_a_browser(live_world: TicketWorld, live_server: Any, browser: Any) -> None:
    from sanzhi.tickets.intake import ticket_create

    town = live_world.town
    ticket_create(actor=town.resident, channel=Channel.RESIDENT, text="电话13800001111 门口路面破损")
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/public/tickets/{town.village.code}/")
    body = page.inner_text("main")
    assert "门口路面破损" in body and "13800001111" not in body and "resident" not in body
    assert no_horizontal_overflow(page)
    shot(page, "t09-public-board")
    context.close()
