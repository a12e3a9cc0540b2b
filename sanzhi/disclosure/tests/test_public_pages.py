"""The public board, one item, the kiosk view and the chain's public JSON: no login, made from the
published content, corrections linked both ways, paged by seq with a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from sanzhi.core.testing import Town
from sanzhi.disclosure import chain, public
from sanzhi.disclosure.models import Disclosure, DisclosureStatus, Publication, PublicationKind
from sanzhi.disclosure.tests.publication_kit import T0, finance_content, plain_http, publish, publish_many

__all__ = ["plain_http"]
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("plain_http")]


def board_url(code: str, **query: Any) -> str:
    url = reverse("web:disclosure_public_board", args=[code])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def seqs(response: Any) -> list[int]:
    return [
        int(s)
        for s in re.findall(r'data-testid="disclosure-row" data-seq="(\d+)"', response.content.decode())
    ]


def as_disclosure(publication: Publication, area: str) -> Publication:
    """The disclosure row behind a published disclosure (what the services keep next to the chain)."""
    Disclosure.objects.create(
        node=publication.node,
        node_path=publication.node_path,
        area=area,
        title=publication.title,
        status=DisclosureStatus.PUBLISHED,
        publication=publication,
        published_at=publication.published_at,
    )
    return publication


@pytest.fixture
def board(town: Town) -> dict[str, Publication]:
    finance = as_disclosure(publish(town.village, "2026年9月财务收支公开", finance_content()), "finance")
    party = as_disclosure(
        publish(
            town.village, "第三季度党费收缴公开", {"area": "party", "period": "2026Q3", "body": "应缴 42 人"}
        ),
        "party",
    )
    resolution = publish(
        town.village,
        "关于修建文化广场的决议",
        {"text": "经村民代表会议表决通过。", "matter": "修建文化广场", "count": {"votes_for": 30}},
        kind=PublicationKind.RESOLUTION,
    )
    fix = as_disclosure(
        publish(
            town.village,
            "2026年9月财务收支公开（更正）",
            {**finance_content(), "reason": "凭证号记-002 金额录入错误"},
            corrects=finance,
        ),
        "finance",
    )
    elsewhere = publish(town.other_village, "白衣村九月财务公开", finance_content())
    grid_item = publish(town.grid, "第一网格公示", {"text": "网格内公示"}, kind=PublicationKind.NOTICE)
    return {
        "finance": finance,
        "party": party,
        "resolution": resolution,
        "fix": fix,
        "elsewhere": elsewhere,
        "grid": grid_item,
    }


def test_the_board_needs_no_login_and_lists_the_subtree_newest_first(
    board: dict[str, Publication], town: Town, client: Client
) -> None:
    response = client.get(board_url(town.village.code))
    assert response.status_code == 200
    # The grid below the community is on its board; the neighbouring village is not.
    assert seqs(response) == [6, 4, 3, 2, 1]
    body = response.content.decode()
    assert "创举社区三务公开栏" in body and "白衣村九月财务公开" not in body
    assert seqs(client.get(board_url(town.township.code))) == [6, 5, 4, 3, 2, 1]
    assert seqs(client.get(board_url(town.other_village.code))) == [5]


def test_a_node_that_does_not_exist_is_404(board: dict[str, Publication], client: Client) -> None:
    assert client.get(board_url("000000000000")).status_code == 404
    assert client.get(reverse("web:disclosure_public_kiosk", args=["000000000000"])).status_code == 404
    assert client.get(reverse("web:disclosure_public_item", args=["000000000000", 1])).status_code == 404


def test_filters_by_area_and_kind(board: dict[str, Publication], town: Town, client: Client) -> None:
    code = town.village.code
    assert seqs(client.get(board_url(code, show="finance"))) == [4, 1]
    assert seqs(client.get(board_url(code, show="party"))) == [2]
    assert seqs(client.get(board_url(code, show="affairs"))) == []
    assert seqs(client.get(board_url(code, show="resolution"))) == [6, 3]
    assert seqs(client.get(board_url(code, show="result"))) == []
    assert seqs(client.get(board_url(code, show="nonsense"))) == [6, 4, 3, 2, 1]


def test_corrections_are_linked_both_ways(board: dict[str, Publication], town: Town, client: Client) -> None:
    body = client.get(board_url(town.village.code)).content.decode()
    rows = dict(re.findall(r'data-seq="(\d+)">(.*?)</li>', body, re.S))
    assert (
        "已更正" in rows["1"]
        and reverse("web:disclosure_public_item", args=[town.village.code, 4]) in rows["1"]
    )
    assert "更正" in rows["4"] and "#1 2026年9月财务收支公开" in rows["4"] and "已更正" not in rows["4"]
    assert "已更正" not in rows["2"]
    corrected = client.get(
        reverse("web:disclosure_public_item", args=[town.village.code, 1])
    ).content.decode()
    assert 'data-testid="item-corrected"' in corrected and "#4 2026年9月财务收支公开（更正）" in corrected
    fix = client.get(reverse("web:disclosure_public_item", args=[town.village.code, 4])).content.decode()
    assert 'data-testid="item-corrects"' in fix and "凭证号记-002 金额录入错误" in fix


def test_one_item_shows_the_published_content_lines_totals_and_hashes(
    board: dict[str, Publication], town: Town, client: Client
) -> None:
    item = board["finance"]
    response = client.get(reverse("web:disclosure_public_item", args=[town.village.code, item.seq]))
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('data-testid="finance-line"') == 3
    assert "村道路灯维修" in body and "3,456.78" in body and "100.50" in body
    assert re.search(r'total-income">120,000.00<', body)
    assert re.search(r'total-expense">3,557.28<', body)
    assert re.search(r'total-balance">116,442.72<', body)
    assert item.hash in body and item.prev_hash in body
    assert reverse("web:publication_json", args=[item.seq]) in body
    assert reverse("web:disclosure_public_pdf", args=[town.village.code, item.seq]) in body


def test_the_item_is_rendered_from_the_chain_not_from_the_disclosure_row(
    board: dict[str, Publication], town: Town, client: Client
) -> None:
    Disclosure.objects.filter(publication=board["party"]).update(title="被改过的草稿标题", body="被改过")
    body = client.get(reverse("web:disclosure_public_item", args=[town.village.code, 2])).content.decode()
    assert "第三季度党费收缴公开" in body and "应缴 42 人" in body and "被改过" not in body


def test_an_item_is_only_found_under_its_own_node(
    board: dict[str, Publication], town: Town, client: Client
) -> None:
    assert client.get(reverse("web:disclosure_public_item", args=[town.village.code, 5])).status_code == 404
    assert (
        client.get(reverse("web:disclosure_public_item", args=[town.other_village.code, 5])).status_code
        == 200
    )
    assert client.get(reverse("web:disclosure_public_item", args=[town.village.code, 99])).status_code == 404


def test_the_board_pages_by_seq(town: Town, client: Client) -> None:
    publish_many(town.village, public.PAGE_SIZE + 3)
    first = client.get(board_url(town.village.code))
    assert seqs(first) == list(range(public.PAGE_SIZE + 3, 3, -1))
    older = re.search(r'href="(\?[^"]*before=\d+[^"]*)" data-testid="page-older"', first.content.decode())
    assert older is not None
    second = client.get(board_url(town.village.code) + older.group(1).replace("&amp;", "&"))
    assert seqs(second) == [3, 2, 1]
    assert 'data-testid="page-older"' not in second.content.decode()
    assert 'data-testid="page-newest"' in second.content.decode()


def test_the_board_costs_the_same_queries_for_a_full_page(
    town: Town, client: Client, django_assert_max_num_queries: Any
) -> None:
    few = publish_many(town.village, 3)
    publish(town.village, "更正第1号", {"body": "更正"}, corrects=few[0])
    client.get(board_url(town.village.code))  # warm caches (translations, templates)
    with django_assert_max_num_queries(3) as small:
        client.get(board_url(town.village.code))
    more = publish_many(town.village, public.PAGE_SIZE * 2, start=T0 + dt.timedelta(days=10))
    for p in more[-10:]:
        publish(town.village, f"更正{p.title}", {"body": "更正"}, corrects=p)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(board_url(town.village.code))
    assert len(seqs(response)) == public.PAGE_SIZE
    # The page: the 10 corrections, then the 20 newest items, among them the 10 corrected ones.
    assert response.content.decode().count('data-testid="corrected"') == 10
    assert response.content.decode().count('data-testid="corrects"') == 10


def test_the_kiosk_shows_the_latest_items_with_nothing_from_elsewhere(
    board: dict[str, Publication], town: Town, client: Client
) -> None:
    publish_many(town.village, public.KIOSK_ITEMS)
    response = client.get(reverse("web:disclosure_public_kiosk", args=[town.village.code]))
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('data-testid="kiosk-slide"') == public.KIOSK_ITEMS
    assert 'http-equiv="refresh"' in body
    assert not re.search(r"<(link|img|iframe)\b|<script[^>]+src=|url\(", body)
    assert "<nav" not in body and "/login/" not in body


def test_the_kiosk_shows_finance_totals(board: dict[str, Publication], town: Town, client: Client) -> None:
    body = client.get(reverse("web:disclosure_public_kiosk", args=[town.other_village.code])).content.decode()
    assert "白衣村九月财务公开" in body and "120,000.00" in body and "3,557.28" in body


# ---------------------------------------------------------------- the chain's public JSON


def test_the_chain_json_pages_in_seq_order_with_head_and_next(
    board: dict[str, Publication], client: Client
) -> None:
    response = client.get(reverse("web:publications_json") + "?limit=4")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert "public" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["head"] == {"seq": 6, "hash": board["grid"].hash}
    assert [i["seq"] for i in data["items"]] == [1, 2, 3, 4]
    assert data["items"][0] == json.loads(json.dumps(chain.item_dict(board["finance"])))
    assert data["next"].endswith(reverse("web:publications_json") + "?after=4&limit=4")
    rest = json.loads(client.get(data["next"]).content)
    assert [i["seq"] for i in rest["items"]] == [5, 6] and rest["next"] is None
    assert chain.verify_items(data["items"] + rest["items"], head=(6, board["grid"].hash)) == (6, None)
    # Chinese stays readable in the JSON (the hashes are of UTF-8 text, not of escapes).
    assert "财务收支公开" in response.content.decode()


def test_the_chain_json_answers_unchanged_with_304(board: dict[str, Publication], client: Client) -> None:
    first = client.get(reverse("web:publications_json"))
    again = client.get(reverse("web:publications_json"), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    publish(board["finance"].node, "新公开", {"body": "x"})
    assert client.get(reverse("web:publications_json"), HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_one_item_json(board: dict[str, Publication], client: Client) -> None:
    response = client.get(reverse("web:publication_json", args=[4]))
    assert response.status_code == 200
    data = json.loads(response.content)
    assert data["corrects"] == 1 and data["hash"] == board["fix"].hash
    assert (
        chain.link_hash(data) == data["hash"] and chain.content_hash(data["content"]) == data["content_hash"]
    )
    assert response["ETag"] == f'"{board["fix"].hash}"'
    missing = client.get(reverse("web:publication_json", args=[99]))
    assert missing.status_code == 404 and json.loads(missing.content)["code"] == "publication_not_found"


def test_odd_parameters_fall_back_to_defaults(
    board: dict[str, Publication], town: Town, client: Client
) -> None:
    huge = "9" * 40
    assert seqs(client.get(board_url(town.village.code, before=huge))) == [6, 4, 3, 2, 1]
    assert seqs(client.get(board_url(town.village.code, before="-1"))) == [6, 4, 3, 2, 1]
    data = json.loads(client.get(reverse("web:publications_json") + f"?after={huge}&limit=x").content)
    assert [i["seq"] for i in data["items"]] == [1, 2, 3, 4, 5, 6]
    data = json.loads(client.get(reverse("web:publications_json") + "?limit=0").content)
    assert len(data["items"]) == 6


def test_an_empty_chain_serves_the_genesis_head(town: Town, client: Client) -> None:
    data = json.loads(client.get(reverse("web:publications_json")).content)
    assert data == {"head": {"seq": 0, "hash": "0" * 64}, "items": [], "next": None}


def test_present_formats_fen_without_floats() -> None:
    assert public.yuan(0) == "0.00"
    assert public.yuan(5) == "0.05"
    assert public.yuan(123456789) == "1,234,567.89"
    assert public.yuan(-150) == "-1.50"
    shown = public.present(
        {"area": "finance", "amount_fen": 1001, "lines": [{"direction": "x", "amount_fen": 1}]}
    )
    assert shown.area_label == "财务"
    assert ("金额", "10.01 元") in shown.details
    assert (shown.income, shown.expense, shown.balance) == ("0.00", "0.00", "0.00")
    assert public.present("纯文本\n第二段").paragraphs == ["纯文本", "第二段"]


def test_present_shows_a_notice_with_labels_yuan_and_local_times() -> None:
    shown = public.present(
        {
            "matter": {"id": 7, "title": "修建文化广场", "amount_fen": 50_000_000, "major": True},
            "stage": {"code": "resolution_notice", "name": "决议公开", "round": 1},
            "title": "关于修建文化广场的决议公开",
            "body": "经村民代表会议表决通过。\n公示期内可提出异议。",
            "window": {"starts_at": "2026-10-05T01:00:00.000000Z", "ends_at": "2026-10-12T09:00:00+08:00"},
            "decision": {"body": "村民代表会议", "expected": 30, "present": 25, "for": 20},
            "implementation": {"tasks": [{"title": "平整场地", "owner": "李四", "progress": 100}]},
        }
    )
    assert shown.paragraphs == ["经村民代表会议表决通过。", "公示期内可提出异议。"]
    details = dict(shown.details)
    assert details["议题"] == "标题：修建文化广场，金额：500,000.00 元，重大事项：是"
    assert details["环节"] == "名称：决议公开，轮次：1"
    assert details["公示期"] == "开始：2026-10-05 09:00，结束：2026-10-12 09:00"
    assert details["表决"] == "机构：村民代表会议，应到：30，到会：25，赞成：20"
    assert details["实施情况"] == "任务：（标题：平整场地，负责人：李四，进度：100）"
    assert "标题" not in details  # the title is the item's own heading
