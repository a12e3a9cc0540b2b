"""Points console pages (积分) per persona: who reaches which page (200/404), recording with a photo,
bad input shown and nothing written, the review (council items apart), reversal, and the
supermarket counter (a double-submitted redemption redeems once, pickup, cancel, restock)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sanzhi.core.testing import Town
from sanzhi.points.boards import appeal_file
from sanzhi.points.ledger import points_decide, points_record
from sanzhi.points.models import (
    AppealState,
    Board,
    BoardAppeal,
    Donor,
    Entry,
    EntryKind,
    Redemption,
    RedemptionState,
    Rule,
    StarHolding,
    StockMovement,
)
from sanzhi.points.stars import star_define
from sanzhi.points.testing import PointsWorld, build_points_world
from sanzhi.web.tests.test_tickets_views import PNG

pytestmark = pytest.mark.django_db
ClientAs = Callable[[str], Client]


@pytest.fixture
def pw(town: Town, settings: Any, tmp_path: Any) -> PointsWorld:
    settings.MEDIA_ROOT = tmp_path / "media"
    return build_points_world(town)


def text(response: Any) -> str:
    return response.content.decode()


def photo() -> SimpleUploadedFile:
    return SimpleUploadedFile("deed.png", PNG, content_type="image/png")


def record_url(pw: PointsWorld) -> str:
    return f"{reverse('web:points_record')}?scheme={pw.scheme.pk}"


def claim(pw: PointsWorld, rule: str = "volunteer", account: str = "h1", **kw: Any) -> Entry:
    kw.setdefault("note", "社区清扫")
    return points_record(
        actor=pw.town.secretary, account_id=pw.accounts[account].pk, rule_id=pw.rules[rule].pk, **kw
    )


# ---------------------------------------------------------------- who reaches what

PAGES = {
    "home": lambda pw: reverse("web:points_home"),
    "record": lambda pw: record_url(pw),
    "review": lambda pw: f"{reverse('web:points_review')}?scheme={pw.scheme.pk}",
    "accounts": lambda pw: f"{reverse('web:points_accounts')}?scheme={pw.scheme.pk}",
    "account_h1": lambda pw: reverse("web:points_account", args=[pw.accounts["h1"].pk]),
    "account_h2": lambda pw: reverse("web:points_account", args=[pw.accounts["h2"].pk]),
    "rules": lambda pw: reverse("web:points_rules", args=[pw.scheme.pk]),
    "store": lambda pw: f"{reverse('web:points_store')}?scheme={pw.scheme.pk}",
    "stars": lambda pw: reverse("web:points_stars", args=[pw.scheme.pk]),
    "boards": lambda pw: reverse("web:points_boards", args=[pw.scheme.pk]),
    "rule_new": lambda pw: reverse("web:points_rule_new", args=[pw.scheme.pk]),
}
# persona → the pages that answer 200 (every other page is a 404).
REACH = {
    "secretary": set(PAGES),
    "street": set(PAGES),
    "sysadmin": set(PAGES),
    # 联户长 (micro-grid of h1): record and look, not review or the store; h2 lives elsewhere.
    "rep": {"home", "record", "accounts", "account_h1", "rules", "stars", "boards"},
    "gridworker": {
        "home",
        "record",
        "accounts",
        "account_h1",
        "account_h2",
        "rules",
        "store",
        "stars",
        "boards",
    },
    "council": {"home", "review", "accounts", "account_h1", "account_h2", "rules", "stars", "boards"},
    "outsider": {"home"},  # a grid chief of another village: no scheme here
    "resident": set(),
    "dept": set(),
    "nobody": set(),
}


@pytest.mark.parametrize("persona", sorted(REACH))
def test_pages_per_persona(pw: PointsWorld, client_as: ClientAs, persona: str) -> None:
    client = client_as(persona)
    for name, url in PAGES.items():
        expected = 200 if name in REACH[persona] else 404
        assert client.get(url(pw)).status_code == expected, (persona, name)


def test_anonymous_goes_to_login(pw: PointsWorld, client: Client) -> None:
    response = client.get(reverse("web:points_home"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_nav_entry_for_staff_only(pw: PointsWorld, client_as: ClientAs) -> None:
    assert 'data-testid="nav-points"' in text(client_as("rep").get(reverse("web:home")))
    assert 'data-testid="nav-points"' not in text(client_as("resident").get(reverse("web:ticket_report")))


def test_home_counts_pending(pw: PointsWorld, client_as: ClientAs) -> None:
    claim(pw)
    claim(pw, "helping", points=12)
    body = text(client_as("secretary").get(reverse("web:points_home")))
    assert 'data-testid="stat-pending">2<' in body
    assert pw.scheme.name in body


# ---------------------------------------------------------------- 记分


def test_rep_records_with_a_photo_pending_review(pw: PointsWorld, client_as: ClientAs) -> None:
    client = client_as("rep")
    page = client.get(record_url(pw))
    assert 'capture="environment"' in text(page) and 'accept="image/*"' in text(page)
    assert "当场审核通过" not in text(page)  # a rep may not review
    response = client.post(
        record_url(pw),
        {
            "scheme": pw.scheme.pk,
            "account": pw.accounts["h1"].pk,
            "rule": pw.rules["volunteer"].pk,
            "note": "周末清扫楼道",
            "evidence": photo(),
            "day": "2026-11-20",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "已为“创举社区1号楼101”记录“参加志愿服务活动” +10 分（待审核）" in text(response)
    entry = Entry.objects.get(kind=EntryKind.AWARD)
    assert entry.claimed == 10 and entry.evidence and entry.recorded_by == pw.town.rep
    assert entry.month == "2026-11"
    pw.accounts["h1"].refresh_from_db()
    assert pw.accounts["h1"].total == 0  # a claim moves nothing until approved
    # The photo: through the scoped view, for those who see the account.
    url = reverse("web:points_evidence", args=[entry.pk])
    shown = client_as("secretary").get(url)
    assert shown.status_code == 200 and shown["Content-Type"] == "image/png"
    assert shown.getvalue() == PNG
    assert client_as("outsider").get(url).status_code == 404
    assert client_as("resident").get(url).status_code == 200  # their own household's evidence
    assert client_as("nobody").get(url).status_code == 404


def test_record_bad_value_shows_error_and_writes_nothing(pw: PointsWorld, client_as: ClientAs) -> None:
    before = Entry.objects.count()
    response = client_as("rep").post(
        record_url(pw),
        {"account": pw.accounts["h1"].pk, "rule": pw.rules["helping"].pk, "points": 50, "day": "2026-11-20"},
    )
    assert response.status_code == 422
    assert "分值 50 不在该细则允许的范围（5 到 30）内" in text(response)
    assert Entry.objects.count() == before
    # The chosen household stays picked on the form that comes back.
    assert f'value="{pw.accounts["h1"].pk}" checked' in text(response)


def test_record_missing_evidence_and_out_of_scope_account(pw: PointsWorld, client_as: ClientAs) -> None:
    client = client_as("rep")
    before = Entry.objects.count()
    no_note = client.post(
        record_url(pw), {"account": pw.accounts["h1"].pk, "rule": pw.rules["wedding"].pk, "day": "2026-11-20"}
    )
    assert no_note.status_code == 422 and "该细则需要佐证：文字说明" in text(no_note)
    # h2 lives in another micro-grid than the rep's: not pickable.
    other = client.post(
        record_url(pw), {"account": pw.accounts["h2"].pk, "rule": pw.rules["sorting"].pk, "day": "2026-11-20"}
    )
    assert other.status_code == 422 and "请选择积分对象" in text(other)
    assert Entry.objects.count() == before


def test_reviewer_approves_on_the_spot_but_not_a_council_item(pw: PointsWorld, client_as: ClientAs) -> None:
    client = client_as("secretary")
    assert "当场审核通过" in text(client.get(record_url(pw)))
    ok = client.post(
        record_url(pw),
        {
            "account": pw.accounts["h2"].pk,
            "rule": pw.rules["sorting"].pk,
            "day": "2026-11-20",
            "approve": "on",
        },
    )
    assert ok.status_code == 302
    pw.accounts["h2"].refresh_from_db()
    assert pw.accounts["h2"].total == 20 and pw.accounts["h2"].redeemable == 20
    before = Entry.objects.count()
    council = client.post(
        record_url(pw),
        {
            "account": pw.accounts["h2"].pk,
            "rule": pw.rules["startup"].pk,
            "note": "带动10户种植",
            "day": "2026-11-20",
            "approve": "on",
        },
    )
    assert council.status_code == 422 and "该细则须经道德评议会审批" in text(council)
    assert Entry.objects.count() == before


def test_account_search_is_scoped(pw: PointsWorld, client_as: ClientAs) -> None:
    url = reverse("web:points_account_search")
    found = client_as("rep").get(url, {"scheme": str(pw.scheme.pk), "purpose": "record", "q": "创举社区"})
    assert "1号楼101" in text(found) and "2号楼202" not in text(found)
    by_name = client_as("secretary").get(
        url, {"scheme": str(pw.scheme.pk), "purpose": "record", "q": "王志强"}
    )
    assert "2号楼202" in text(by_name) and "1号楼101" not in text(by_name)
    assert (
        client_as("rep").get(url, {"scheme": str(pw.scheme.pk), "purpose": "store"}).content.count(b"radio")
        == 0
    )


# ---------------------------------------------------------------- 审核


def review_url(pw: PointsWorld) -> str:
    return f"{reverse('web:points_review')}?scheme={pw.scheme.pk}"


def test_batch_approve_and_reject(pw: PointsWorld, client_as: ClientAs) -> None:
    a, b, c = claim(pw), claim(pw, "helping", points=15), claim(pw, "volunteer", account="h2")
    client = client_as("secretary")
    page = client.get(review_url(pw))
    assert text(page).count('data-testid="claim-row"') == 3
    response = client.post(
        review_url(pw),
        {"scheme": pw.scheme.pk, "entry": [a.pk, b.pk], "decision": "approve", "note": "11月审核"},
    )
    assert response.status_code == 302
    pw.accounts["h1"].refresh_from_db()
    assert pw.accounts["h1"].total == 25
    client.post(review_url(pw), {"entry": [c.pk], "decision": "reject", "note": "无照片"})
    assert Entry.objects.get(target=c).kind == EntryKind.REJECTION
    pw.accounts["h2"].refresh_from_db()
    assert pw.accounts["h2"].total == 0
    assert 'data-testid="review-empty"' in text(client.get(review_url(pw)))


def test_council_items_only_for_council_members(pw: PointsWorld, client_as: ClientAs) -> None:
    startup = claim(pw, "startup", note="带动10户种植")
    ordinary = claim(pw)
    secretary = client_as("secretary")
    page = text(secretary.get(review_url(pw)))
    assert "须经道德评议会审批，您不是其成员" in page
    assert 'data-testid="council-approve-submit"' not in page
    # A reviewer's batch with a council item in it: refused whole, nothing written.
    before = Entry.objects.count()
    refused = secretary.post(review_url(pw), {"entry": [startup.pk, ordinary.pk], "decision": "approve"})
    assert refused.status_code == 422 and "须经道德评议会审批" in text(refused)
    assert Entry.objects.count() == before
    council = client_as("council")
    page = text(council.get(review_url(pw)))
    assert 'data-testid="council-approve-submit"' in page
    assert council.post(review_url(pw), {"entry": [startup.pk], "decision": "approve"}).status_code == 302
    pw.accounts["h1"].refresh_from_db()
    assert pw.accounts["h1"].total == 100


def test_review_nothing_selected(pw: PointsWorld, client_as: ClientAs) -> None:
    claim(pw)
    response = client_as("secretary").post(review_url(pw), {"decision": "approve"})
    assert response.status_code == 422 and "请选择要审核的积分申报" in text(response)


# ---------------------------------------------------------------- 账户


def test_accounts_ranked_and_reversal(pw: PointsWorld, client_as: ClientAs) -> None:
    a = claim(pw, "helping", points=30)
    b = claim(pw, account="h2")
    points_decide(actor=pw.town.secretary, entry_ids=[a.pk, b.pk], approve=True)
    client = client_as("secretary")
    listing = text(client.get(f"{reverse('web:points_accounts')}?scheme={pw.scheme.pk}"))
    assert listing.index("1号楼101") < listing.index("2号楼202")
    url = reverse("web:points_account", args=[pw.accounts["h1"].pk])
    page = text(client.get(url))
    assert 'data-testid="balance-total">30<' in page and "家庭美德" in page
    assert 'data-testid="reverse-form"' in page
    assert 'data-testid="reverse-form"' not in text(client_as("rep").get(url))
    # Without a reason: refused, nothing written.
    before = Entry.objects.count()
    client.post(reverse("web:points_reverse", args=[a.pk]), {"note": ""}, follow=True)
    assert Entry.objects.count() == before
    done = client.post(reverse("web:points_reverse", args=[a.pk]), {"note": "重复记录"}, follow=True)
    assert "已冲正" in text(done)
    pw.accounts["h1"].refresh_from_db()
    assert pw.accounts["h1"].total == 0
    assert client_as("rep").post(reverse("web:points_reverse", args=[b.pk]), {"note": "x"}).status_code == 404


# ---------------------------------------------------------------- 积分超市


def store_url(pw: PointsWorld) -> str:
    return f"{reverse('web:points_store')}?scheme={pw.scheme.pk}"


def fund(pw: PointsWorld, account: str = "h1", points: int = 30) -> None:
    entry = claim(pw, "helping", account=account, points=points)
    points_decide(actor=pw.town.secretary, entry_ids=[entry.pk], approve=True)


def test_double_submitted_redemption_redeems_once(pw: PointsWorld, client_as: ClientAs) -> None:
    fund(pw)
    client = client_as("gridworker")
    page = text(client.get(store_url(pw)))
    key = page.split('name="request_key" value="')[1].split('"')[0]
    data = {
        "scheme": pw.scheme.pk,
        "account": pw.accounts["h1"].pk,
        "goods": pw.goods["洗衣粉"].pk,
        "quantity": 1,
        "request_key": key,
    }
    first = client.post(reverse("web:points_redeem"), data)
    second = client.post(reverse("web:points_redeem"), data)
    assert first.status_code == second.status_code == 302
    assert Redemption.objects.count() == 1
    pw.accounts["h1"].refresh_from_db()
    pw.goods["洗衣粉"].refresh_from_db()
    assert pw.accounts["h1"].redeemable == 10 and pw.goods["洗衣粉"].stock == 49
    assert key not in text(client.get(store_url(pw)))  # a fresh key for the next redemption


def test_redemption_without_points_shows_error(pw: PointsWorld, client_as: ClientAs) -> None:
    fund(pw, points=10)
    data = {
        "scheme": pw.scheme.pk,
        "account": pw.accounts["h1"].pk,
        "goods": pw.goods["洗衣粉"].pk,
        "quantity": 1,
        "request_key": "k-1",
    }
    response = client_as("secretary").post(reverse("web:points_redeem"), data)
    assert response.status_code == 422
    assert "可兑换积分不足：需要 20 分，现有 10 分" in text(response)
    assert Redemption.objects.count() == 0 and StockMovement.objects.filter(kind="redemption").count() == 0


def test_pickup_then_no_cancel(pw: PointsWorld, client_as: ClientAs) -> None:
    fund(pw)
    client = client_as("gridworker")
    data = {
        "scheme": pw.scheme.pk,
        "account": pw.accounts["h1"].pk,
        "goods": pw.goods["洗衣粉"].pk,
        "quantity": 1,
        "request_key": "p1",
    }
    client.post(reverse("web:points_redeem"), data)
    redemption = Redemption.objects.get()
    assert text(client.get(store_url(pw))).count('data-testid="pickup-row"') == 1
    # The rep (no store) can't touch it.
    assert client_as("rep").post(reverse("web:points_pickup", args=[redemption.pk])).status_code == 404
    done = client.post(reverse("web:points_pickup", args=[redemption.pk]), follow=True)
    assert "已核销：洗衣粉 × 1" in text(done) and 'data-testid="pickups-empty"' in text(done)
    redemption.refresh_from_db()
    assert redemption.state == RedemptionState.PICKED_UP
    # A picked-up redemption can't be cancelled: the service's message, no refund.
    refused = client.post(
        reverse("web:points_cancel", args=[redemption.pk]), {"reason": "不要了"}, follow=True
    )
    assert "该兑换单已领取，不能取消" in text(refused)
    pw.accounts["h1"].refresh_from_db()
    assert pw.accounts["h1"].redeemable == 10


def test_cancel_refunds(pw: PointsWorld, client_as: ClientAs) -> None:
    fund(pw)
    client = client_as("secretary")
    client.post(
        reverse("web:points_redeem"),
        {
            "scheme": pw.scheme.pk,
            "account": pw.accounts["h1"].pk,
            "goods": pw.goods["洗衣粉"].pk,
            "quantity": 1,
            "request_key": "c1",
        },
    )
    redemption = Redemption.objects.get()
    no_reason = client.post(reverse("web:points_cancel", args=[redemption.pk]), {"reason": ""}, follow=True)
    assert "取消兑换须填写原因" in text(no_reason)
    redemption.refresh_from_db()
    assert redemption.state == RedemptionState.PLACED
    client.post(reverse("web:points_cancel", args=[redemption.pk]), {"reason": "拿错了"})
    redemption.refresh_from_db()
    pw.accounts["h1"].refresh_from_db()
    pw.goods["洗衣粉"].refresh_from_db()
    assert redemption.state == RedemptionState.CANCELLED
    assert pw.accounts["h1"].redeemable == 30 and pw.goods["洗衣粉"].stock == 50


def test_restock_with_donor(pw: PointsWorld, client_as: ClientAs) -> None:
    donor = Donor.objects.create(
        node=pw.town.village, node_path=pw.town.village.path, name="乡贤王老板", kind="乡贤"
    )
    client = client_as("secretary")
    data = {
        "scheme": pw.scheme.pk,
        "goods": pw.goods["大米"].pk,
        "quantity": 10,
        "kind": "restock",
        "donor": donor.pk,
        "note": "捐赠",
    }
    assert "乡贤王老板" in text(client.get(store_url(pw)))
    assert client.post(reverse("web:points_restock"), data).status_code == 302
    pw.goods["大米"].refresh_from_db()
    assert pw.goods["大米"].stock == 11
    assert StockMovement.objects.filter(donor=donor, delta=10).exists()
    # A negative restock: the service's message, nothing written.
    bad = client.post(reverse("web:points_restock"), {**data, "quantity": -3})
    assert bad.status_code == 422 and "入库数量须大于 0" in text(bad)
    pw.goods["大米"].refresh_from_db()
    assert pw.goods["大米"].stock == 11
    # A grid worker runs the counter but restocks nothing (the store of the whole community).
    assert client_as("gridworker").post(reverse("web:points_restock"), data).status_code == 404


# ---------------------------------------------------------------- 细则


def test_manager_creates_edits_and_stops_a_rule(pw: PointsWorld, client_as: ClientAs) -> None:
    client = client_as("secretary")
    url = reverse("web:points_rule_new", args=[pw.scheme.pk])
    data = {
        "category": pw.categories["social"].pk,
        "code": "clean",
        "item": "门前三包",
        "points_min": 5,
        "points_max": "",
        "evidence": "none",
        "council": "",
        "cap_per_period": "",
    }
    inverted = client.post(url, {**data, "points_min": 9, "points_max": 3})
    assert inverted.status_code == 422 and "最低分值不能大于最高分值" in text(inverted)
    assert not Rule.objects.filter(code="clean").exists()
    assert client.post(url, data).status_code == 302
    rule = Rule.objects.get(code="clean")
    assert rule.fixed and rule.points_min == 5
    # A rule in use keeps its value: the service says why, nothing changes.
    used = pw.rules["volunteer"]
    claim(pw)
    edit = reverse("web:points_rule_edit", args=[pw.scheme.pk, used.pk])
    refused = client.post(edit, {**data, "category": used.category_id, "item": used.item, "points_min": 15})
    assert refused.status_code == 422 and "已有积分记录，不能修改分值" in text(refused)
    used.refresh_from_db()
    assert used.points_min == 10
    client.post(reverse("web:points_rule_active", args=[pw.scheme.pk]), {"rule": used.pk, "active": "0"})
    used.refresh_from_db()
    assert not used.active
    rule_select = text(client.get(record_url(pw))).split('name="rule"')[1].split("</select>")[0]
    assert used.item not in rule_select and pw.rules["sorting"].item in rule_select
    assert client_as("rep").post(url, data).status_code == 404


def test_rules_export_and_import(pw: PointsWorld, client_as: ClientAs) -> None:
    client = client_as("secretary")
    exported = client.get(reverse("web:points_rules_export", args=[pw.scheme.pk]))
    assert exported.status_code == 200 and exported.content[:2] == b"PK"
    url = reverse("web:points_rules_import", args=[pw.scheme.pk])
    bad = SimpleUploadedFile(
        "rules.csv",
        "类别编码,细则编码,事项,最低分值\nsocial,newone,新事项,abc\nsocial,other,另一项,8\n".encode(),
        content_type="text/csv",
    )
    response = client.post(url, {"file": bad})
    assert response.status_code == 400 and 'data-testid="import-errors"' in text(response)
    assert not Rule.objects.filter(code__in=["newone", "other"]).exists()
    good = SimpleUploadedFile(
        "rules.csv",
        "类别编码,细则编码,事项,最低分值\nsocial,other,另一项,8\n".encode(),
        content_type="text/csv",
    )
    assert client.post(url, {"file": good}).status_code == 302
    assert Rule.objects.get(code="other").points_min == 8
    assert client_as("rep").get(url).status_code == 404


# ---------------------------------------------------------------- 星级, 红黑榜


def test_evaluate_stars_then_publish_boards_and_decide_an_appeal(
    pw: PointsWorld, client_as: ClientAs
) -> None:
    import datetime as dt

    star_define(actor=None, scheme=pw.scheme, category="social", name="热心公益星", min_points=10)
    day = timezone.localdate().replace(day=1) - dt.timedelta(days=3)
    month = f"{day:%Y-%m}"
    entry = claim(pw, day=day)
    points_decide(actor=pw.town.secretary, entry_ids=[entry.pk], approve=True)
    client = client_as("secretary")
    stars_url = reverse("web:points_stars", args=[pw.scheme.pk])
    assert client_as("rep").post(stars_url, {"month": month}).status_code == 404  # a rep doesn't evaluate
    running = client.post(stars_url, {"month": f"{timezone.localdate():%Y-%m}"})
    assert running.status_code == 422 and "尚未结束" in text(running)
    done = client.post(stars_url, {"month": month}, follow=True)
    assert "评星完成：创星 1 颗" in text(done)
    assert StarHolding.objects.filter(account=pw.accounts["h1"]).count() == 1
    assert 'data-testid="plaque-row"' in text(done)

    boards_url = reverse("web:points_boards", args=[pw.scheme.pk])
    published = client.post(boards_url, {"period": month}, follow=True)
    assert "红榜 1 户" in text(published)
    again = client.post(boards_url, {"period": month})
    assert again.status_code == 422 and "已发布" in text(again)
    red = Board.objects.get(kind="red")
    appeal = appeal_file(actor=pw.town.resident, board=red, reason="我家还有一次志愿服务没算")
    page = text(client.get(boards_url))
    assert "我家还有一次志愿服务没算" in page
    decide = reverse("web:points_appeal_decide", args=[appeal.pk])
    assert client_as("rep").post(decide, {"decision": "uphold", "note": "x"}).status_code == 404
    client.post(decide, {"decision": "uphold", "note": "已核实"})
    appeal = BoardAppeal.objects.get(pk=appeal.pk)
    assert appeal.state == AppealState.UPHELD
    assert Board.objects.filter(kind="red", revision=2, supersedes=red).exists()


# ---------------------------------------------------------------- 超市 management


def test_goods_donor_and_window_pages(pw: PointsWorld, client_as: ClientAs) -> None:
    from sanzhi.points.models import Goods, RedemptionWindow

    client = client_as("secretary")
    donor_url = reverse("web:points_donor_new", args=[pw.scheme.pk])
    assert client.post(donor_url, {"name": "乡贤李先生", "kind": "乡贤", "note": ""}).status_code == 302
    donor = Donor.objects.get(name="乡贤李先生")
    assert donor.node == pw.town.village
    goods_url = reverse("web:points_goods_new", args=[pw.scheme.pk])
    data = {
        "name": "毛巾",
        "unit": "条",
        "price": 0,
        "donor": donor.pk,
        "per_account_limit": "",
        "initial_stock": 30,
    }
    zero = client.post(goods_url, data)
    assert zero.status_code == 422 and not Goods.objects.filter(name="毛巾").exists()
    assert client.post(goods_url, {**data, "price": 15}).status_code == 302
    towel = Goods.objects.get(name="毛巾")
    assert towel.stock == 30 and towel.donor == donor and towel.price == 15
    edit = reverse("web:points_goods_edit", args=[pw.scheme.pk, towel.pk])
    client.post(edit, {"name": "毛巾", "unit": "条", "price": 18, "donor": donor.pk, "active": ""})
    towel.refresh_from_db()
    assert towel.price == 18 and not towel.active and towel.stock == 30
    window_url = reverse("web:points_window_new", args=[pw.scheme.pk])
    backwards = client.post(
        window_url, {"name": "集中兑换日", "starts_at": "2026-12-20T09:00", "ends_at": "2026-12-20T08:00"}
    )
    assert backwards.status_code == 422 and "结束时间须晚于开始时间" in text(backwards)
    ok = client.post(
        window_url, {"name": "集中兑换日", "starts_at": "2026-12-20T09:00", "ends_at": "2026-12-20T17:00"}
    )
    assert ok.status_code == 302 and RedemptionWindow.objects.filter(scheme=pw.scheme).count() == 1
    # The grid worker runs the counter, not the shop's catalogue; the rep neither.
    assert client_as("gridworker").get(goods_url).status_code == 404
    assert client_as("rep").get(donor_url).status_code == 404
    assert client_as("gridworker").get(window_url).status_code == 404


def test_list_pages_query_count_does_not_grow(pw: PointsWorld, client_as: ClientAs) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_as("secretary")
    urls = [
        f"{reverse('web:points_review')}?scheme={pw.scheme.pk}",
        f"{reverse('web:points_accounts')}?scheme={pw.scheme.pk}",
        reverse("web:points_account", args=[pw.accounts["h1"].pk]),
        f"{reverse('web:points_store')}?scheme={pw.scheme.pk}",
    ]

    def counts() -> list[int]:
        found = []
        for url in urls:
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            found.append(len(ctx.captured_queries))
        return found

    def activity(n: int) -> None:
        for i in range(n):
            claim(pw, "helping", points=5 + i)
            claim(pw, "volunteer", account="h2", evidence=photo())
        fund(pw, points=30)
        from sanzhi.points.store import redeem

        redeem(
            actor=None, account_id=pw.accounts["h1"].pk, goods_id=pw.goods["洗衣粉"].pk, request_key=f"q{n}"
        )

    activity(1)
    before = counts()
    activity(6)
    assert counts() == before


def test_first_record_opens_the_households_account(pw: PointsWorld, client_as: ClientAs) -> None:
    from sanzhi.people.services import household_create
    from sanzhi.points.models import Account

    home = household_create(actor=None, node=pw.town.micro, address="创举社区1号楼303", number="H0303")
    client = client_as("rep")
    found = text(
        client.get(
            reverse("web:points_account_search"),
            {"scheme": str(pw.scheme.pk), "purpose": "record", "q": "303"},
        )
    )
    assert f'value="h{home.pk}"' in found and "尚未开户" in found
    # The counter lists only opened accounts.
    store = client_as("gridworker").get(
        reverse("web:points_account_search"), {"scheme": str(pw.scheme.pk), "purpose": "store", "q": "303"}
    )
    assert f'value="h{home.pk}"' not in text(store)
    bad = client.post(
        record_url(pw),
        {"account": f"h{home.pk}", "rule": pw.rules["helping"].pk, "points": 99, "day": "2026-11-20"},
    )
    assert bad.status_code == 422 and f'value="h{home.pk}" checked' in text(bad)
    assert not Account.objects.filter(household=home).exists()  # a refused record opens nothing
    ok = client.post(
        record_url(pw),
        {"account": f"h{home.pk}", "rule": pw.rules["helping"].pk, "points": 9, "day": "2026-11-20"},
    )
    assert ok.status_code == 302
    account = Account.objects.get(household=home, scheme=pw.scheme)
    assert account.entries.get(kind=EntryKind.AWARD).claimed == 9
    # A household elsewhere (白衣村) is not offered, even by name.
    assert f'value="h{pw.town.households["h3"].pk}"' not in text(
        client_as("secretary").get(
            reverse("web:points_account_search"),
            {"scheme": str(pw.scheme.pk), "purpose": "record", "q": "白衣村"},
        )
    )


def test_tiers_defined_and_assigned(pw: PointsWorld, client_as: ClientAs) -> None:
    from sanzhi.points.models import AccountTier, Tier

    url = reverse("web:points_tiers", args=[pw.scheme.pk])
    client = client_as("secretary")
    too_much = client.post(url, {"action": "define", "name": "金牌户", "rank_max": 1, "discount_percent": 95})
    assert too_much.status_code == 422 and not Tier.objects.exists()
    assert (
        client.post(
            url, {"action": "define", "name": "金牌户", "rank_max": 1, "discount_percent": 20}
        ).status_code
        == 302
    )
    year = timezone.localdate().year - 1
    entry = claim(pw, day=timezone.localdate().replace(year=year, month=6, day=1))
    points_decide(actor=pw.town.secretary, entry_ids=[entry.pk], approve=True)
    running = client.post(url, {"action": "assign", "period": str(year + 1)})
    assert running.status_code == 422 and "尚未结束" in text(running)
    assert client.post(url, {"action": "assign", "period": str(year)}).status_code == 302
    held = AccountTier.objects.get()
    assert held.account == pw.accounts["h1"] and held.tier.name == "金牌户" and held.rank == 1
    assert client_as("gridworker").get(url).status_code == 404


def test_review_filters_by_month(pw: PointsWorld, client_as: ClientAs) -> None:
    import datetime as dt

    today = timezone.localdate()
    earlier = today.replace(day=1) - dt.timedelta(days=1)
    claim(pw, day=earlier)
    claim(pw, "helping", points=6, day=today)
    client = client_as("secretary")
    page = text(client.get(review_url(pw), {"month": f"{earlier:%Y-%m}"}))
    assert page.count('data-testid="claim-row"') == 1 and "参加志愿服务活动" in page
    assert text(client.get(review_url(pw), {"month": "bogus"})).count('data-testid="claim-row"') == 2
