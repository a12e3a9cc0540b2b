"""The public side of the publication chain (三务公开栏): what anyone may read without login.

Everything here reads ``Publication`` rows, which are immutable: a board lists them by the node's
path range (``publication_path_seq_idx``), newest first, paged by seq (``before``), never by offset;
an item is shown from its own published ``content``. The one exception is the area filter (党务 /
村(居)务 / 财务), which joins the disclosure behind a publication because the area lives in the
content JSON, which no index covers; the area shown is still the content's.

Content shapes read (anything else is shown as label/value pairs, never dropped):
- a disclosure: ``area``, ``title``, ``period``, ``body``, ``lines`` (each ``direction``
  income/expense, ``date``, ``item``, ``counterparty``, ``voucher_no``, ``amount_fen``, ``note``),
  ``totals``; the totals shown are summed from the lines themselves;
- a notice, resolution or result: ``text`` or ``body`` as paragraphs, the rest as label/value pairs.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.db.models.fields.json import KeyTextTransform
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanzhi.core.errors import NotFound
from sanzhi.core.fields import subtree_q
from sanzhi.disclosure.chain import item_dict
from sanzhi.disclosure.models import (
    GENESIS_HASH,
    Area,
    FinanceDirection,
    Publication,
    PublicationHead,
    PublicationKind,
)
from sanzhi.grids.models import Node

PAGE_SIZE = 30
KIOSK_ITEMS = 10
JSON_LIMIT = 100
JSON_LIMIT_MAX = 1000

# The board's filters: each a kind of item, or a disclosure area.
FILTERS: dict[str, Any] = {
    "party": _("党务公开"),
    "affairs": _("村(居)务公开"),
    "finance": _("财务公开"),
    "resolution": _("决议与公示"),
    "result": _("实施结果"),
    "board": _("红黑榜"),
}
_FILTER_KINDS = {
    "resolution": (PublicationKind.RESOLUTION, PublicationKind.NOTICE),
    "result": (PublicationKind.RESULT,),
    "board": (PublicationKind.BOARD,),
}
_FILTER_AREAS = {"party": Area.PARTY, "affairs": Area.AFFAIRS, "finance": Area.FINANCE}

# The columns a list needs: never the content (the largest column by far).
_LIST_FIELDS = ("seq", "kind", "node_code", "title", "published_at", "corrects", "hash")

# Labels for content keys the deliberation and disclosure services publish; others show as is.
KEY_LABELS: dict[str, Any] = {
    "area": _("公开类别"),
    "period": _("所属期"),
    "matter": _("议题"),
    "stage": _("环节"),
    "window": _("公示期"),
    "starts_at": _("开始"),
    "ends_at": _("结束"),
    "count": _("表决结果"),
    "votes_for": _("赞成"),
    "votes_against": _("反对"),
    "votes_abstain": _("弃权"),
    "present": _("到会"),
    "expected": _("应到"),
    "meeting": _("会议"),
    "amount_fen": _("金额"),
    "summary": _("总结"),
    "reason": _("更正原因"),
    "correction_reason": _("更正原因"),
    "decision": _("表决"),
    "implementation": _("实施情况"),
    "title": _("标题"),
    "type": _("类型"),
    "major": _("重大事项"),
    "procedure": _("议事规程"),
    "name": _("名称"),
    "round": _("轮次"),
    "days": _("天数"),
    "decided_at": _("表决时间"),
    "secret": _("无记名投票"),
    "for": _("赞成"),
    "against": _("反对"),
    "abstain": _("弃权"),
    "finished_at": _("完成时间"),
    "tasks": _("任务"),
    "owner": _("负责人"),
    "progress": _("进度"),
    "status": _("状态"),
    "done_at": _("完成时间"),
    "scheme": _("积分方案"),
    "list": _("榜单"),
    "revision": _("版次"),
    "appeal_until": _("异议截止"),
}
# Inside a nested object "body" is who met (机构), not a text; ids and codes are for machines.
_NESTED_LABELS: dict[str, Any] = {**KEY_LABELS, "body": _("机构")}
_NESTED_SKIP = {"id", "code"}
_ISO_DATETIME = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$")
_TEXT_KEYS = ("body", "text")
_SKIP_KEYS = {"title", "lines", "totals", "rows", *_TEXT_KEYS}
# 红黑榜 (points boards): which list a board is.
_LIST_LABELS: dict[str, Any] = {"red": _("红榜"), "black": _("黑榜")}


def yuan(fen: int) -> str:
    """1234567 → "12,345.67" (fen are integers, so no float ever rounds a public amount)."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{whole:,}.{cents:02d}"


@dataclass
class FinanceRow:
    direction: str  # income / expense / "" when the line says neither
    direction_label: str
    date: str
    item: str
    counterparty: str
    voucher_no: str
    amount: str  # yuan, formatted
    note: str


@dataclass
class RankRow:
    """One line of a published 红黑榜: its place, who (already masked when published), points, why."""

    rank: str
    name: str
    points: str
    reason: str


@dataclass
class Presented:
    """One item's content made ready for a page, a kiosk slide or the PDF."""

    area: str = ""
    area_label: str = ""
    period: str = ""
    paragraphs: list[str] = field(default_factory=list)
    details: list[tuple[str, str]] = field(default_factory=list)
    lines: list[FinanceRow] = field(default_factory=list)
    income: str = ""
    expense: str = ""
    balance: str = ""
    ranking: list[RankRow] = field(default_factory=list)

    @property
    def is_finance(self) -> bool:
        return bool(self.lines)


def _scalar(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(_("是")) if value else str(_("否"))
    if isinstance(value, (list, tuple)):
        return "；".join(_scalar(v) for v in value)
    if isinstance(value, dict):
        return "，".join(
            f"{_NESTED_LABELS.get(k, k)}：{_amount(k, v)}"
            for k, v in value.items()
            if k not in _NESTED_SKIP and v not in (None, "", [], {})
        )
    if isinstance(value, str) and _ISO_DATETIME.match(value):
        return _local_time(value)
    return str(value)


def _local_time(value: str) -> str:
    """A published ISO time, shown in the site's zone to the minute (the JSON keeps it whole)."""
    try:
        when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    if timezone.is_aware(when):
        when = timezone.localtime(when)
    return when.strftime("%Y-%m-%d %H:%M")


def _amount(key: str, value: Any) -> str:
    if key.endswith("_fen") and isinstance(value, int) and not isinstance(value, bool):
        return str(_("{amount} 元")).format(amount=yuan(value))
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return "；".join(f"（{_scalar(v)}）" for v in value)
    return _scalar(value)


def _finance_rows(lines: list[Any]) -> tuple[list[FinanceRow], int, int]:
    rows, income, expense = [], 0, 0
    labels = dict(FinanceDirection.choices)
    for line in lines:
        if not isinstance(line, dict):
            continue
        fen = line.get("amount_fen")
        fen = fen if isinstance(fen, int) and not isinstance(fen, bool) else 0
        direction = str(line.get("direction", ""))
        if direction == FinanceDirection.INCOME:
            income += fen
        elif direction == FinanceDirection.EXPENSE:
            expense += fen
        rows.append(
            FinanceRow(
                direction=direction,
                direction_label=str(labels.get(direction, direction)),
                date=_scalar(line.get("date")),
                item=_scalar(line.get("item")),
                counterparty=_scalar(line.get("counterparty")),
                voucher_no=_scalar(line.get("voucher_no")),
                amount=yuan(fen),
                note=_scalar(line.get("note")),
            )
        )
    return rows, income, expense


def present(content: Any) -> Presented:
    """The published content as a page shows it: text, label/value pairs, the finance table."""
    out = Presented()
    if not isinstance(content, dict):
        out.paragraphs = [p for p in _scalar(content).splitlines() if p.strip()]
        return out
    area = content.get("area")
    if isinstance(area, str):
        out.area, out.area_label = area, str(dict(Area.choices).get(area, area))
    period = content.get("period")
    out.period = period if isinstance(period, str) else ""
    for key in _TEXT_KEYS:
        text = content.get(key)
        if isinstance(text, str):
            out.paragraphs += [p for p in text.splitlines() if p.strip()]
    lines = content.get("lines")
    if isinstance(lines, list) and lines:
        out.lines, income, expense = _finance_rows(lines)
        out.income, out.expense, out.balance = yuan(income), yuan(expense), yuan(income - expense)
    rows = content.get("rows")
    if isinstance(rows, list):
        out.ranking = [
            RankRow(
                rank=_scalar(row.get("rank")),
                name=_scalar(row.get("name")),
                points=_scalar(row.get("points")),
                reason=_scalar(row.get("reason")),
            )
            for row in rows
            if isinstance(row, dict)
        ]
    for key, value in content.items():
        if key in _SKIP_KEYS or key in {"area", "period"} or value in (None, "", [], {}):
            continue
        if key == "list" and isinstance(value, str):
            value = str(_LIST_LABELS.get(value, value))
        out.details.append((str(KEY_LABELS.get(key, key)), _amount(key, value)))
    return out


# ---------------------------------------------------------------- selectors


def public_node(*, code: str) -> Node:
    node = Node.objects.filter(code=code).only("id", "code", "name", "path", "kind").first()
    if node is None:
        raise NotFound(_("没有这个地方"), code="node_not_found")
    return node


@dataclass
class BoardRow:
    publication: Publication
    label: str  # the disclosure's area from its content, or the kind of item
    corrected_by: int | None  # the seq of its first correction
    corrects_title: str  # the title of what it corrects


@dataclass
class BoardPage:
    rows: list[BoardRow]
    older: int | None  # the ``before`` of the next (older) page, None on the last page


def board_page(
    *, node: Node, show: str | None = None, before: int | None = None, size: int = PAGE_SIZE
) -> BoardPage:
    """One page of a node's board, newest first: one range query for the page and one for what
    the page's rows need from elsewhere (their areas, corrections and corrected titles)."""
    rows = Publication.objects.filter(subtree_q("node_path", node.path))
    if show in _FILTER_KINDS:
        rows = rows.filter(kind__in=_FILTER_KINDS[show])
    elif show in _FILTER_AREAS:
        rows = rows.filter(kind=PublicationKind.DISCLOSURE, disclosure__area=_FILTER_AREAS[show])
    if before is not None:
        rows = rows.filter(seq__lt=before)
    items = list(rows.only(*_LIST_FIELDS).order_by("-seq")[: size + 1])
    older = items[size - 1].seq if len(items) > size else None
    items = items[:size]
    if not items:
        return BoardPage([], older)
    seqs = [p.seq for p in items]
    targets = [p.corrects_id for p in items if p.corrects_id is not None]
    related = (
        Publication.objects.filter(Q(seq__in=seqs) | Q(seq__in=targets) | Q(corrects__in=seqs))
        .annotate(area=KeyTextTransform("area", "content"))
        .values_list("seq", "title", "corrects", "area")
        .order_by("seq")
    )
    areas: dict[int, str] = {}
    titles: dict[int, str] = {}
    corrected_by: dict[int, int] = {}
    area_labels, kind_labels = dict(Area.choices), dict(PublicationKind.choices)
    for seq, title, corrects, area in related:
        titles[seq] = title
        if area:
            areas[seq] = str(area_labels.get(area, area))
        if corrects is not None:
            corrected_by.setdefault(corrects, seq)
    return BoardPage(
        [
            BoardRow(
                publication=p,
                label=areas.get(p.seq) or str(kind_labels.get(p.kind, p.kind)),
                corrected_by=corrected_by.get(p.seq),
                corrects_title=titles.get(p.corrects_id, "") if p.corrects_id is not None else "",
            )
            for p in items
        ],
        older,
    )


@dataclass
class PublicItem:
    publication: Publication
    presented: Presented
    corrects: Publication | None
    corrections: list[Publication]


def publication_get_public(*, node: Node, seq: int) -> PublicItem:
    """One item of a node's board (NotFound when the seq is not published under that node)."""
    publication = (
        Publication.objects.filter(subtree_q("node_path", node.path), seq=seq)
        .select_related("corrects")
        .first()
    )
    if publication is None:
        raise NotFound(_("没有这条公开内容"), code="publication_not_found")
    corrections = list(
        Publication.objects.filter(corrects=publication.seq).only(*_LIST_FIELDS).order_by("seq")
    )
    return PublicItem(publication, present(publication.content), publication.corrects, corrections)


def kiosk_items(*, node: Node, size: int = KIOSK_ITEMS) -> list[tuple[Publication, Presented]]:
    """The latest items for the smart screen, with their content (a handful, so one query)."""
    rows = Publication.objects.filter(subtree_q("node_path", node.path)).order_by("-seq")[:size]
    return [(p, present(p.content)) for p in rows]


# ---------------------------------------------------------------- the chain's public JSON


def chain_head() -> tuple[int, str]:
    head = PublicationHead.objects.filter(pk=1).values_list("seq", "hash").first()
    return head or (0, GENESIS_HASH)


@dataclass
class ChainPage:
    items: list[dict[str, Any]]
    head: tuple[int, str]
    more: bool  # items after the last one served, up to the head


def chain_page(*, after: int = 0, limit: int = JSON_LIMIT) -> ChainPage:
    """Items after ``after`` in seq order, never past the head read first: every page is
    consistent with the head it carries, even while items are being appended."""
    limit = max(1, min(limit, JSON_LIMIT_MAX))
    head = chain_head()
    rows = Publication.objects.filter(seq__gt=after, seq__lte=head[0]).order_by("seq")[:limit]
    items = [item_dict(p) for p in rows]
    more = bool(items) and items[-1]["seq"] < head[0]
    return ChainPage(items, head, more)


def chain_item(*, seq: int) -> dict[str, Any]:
    publication = Publication.objects.filter(seq=seq).first()
    if publication is None:
        raise NotFound(_("没有这条公开内容"), code="publication_not_found")
    return item_dict(publication)
