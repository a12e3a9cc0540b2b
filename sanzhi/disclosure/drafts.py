"""What the disclosure services and the finance import share: locking a draft for a change, the
checks of one finance line's fields, the totals, and the content that goes on the chain.

A published disclosure is immutable: every change goes through ``lock_draft``, which locks the
disclosure row (so a change and a publication are serialised) and refuses anything not a draft.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from sanzhi.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from sanzhi.disclosure import rules
from sanzhi.disclosure.models import Area, Disclosure, DisclosureStatus, FinanceDirection, FinanceLine

# 1 万亿元 in fen: far above any village's books, far below 2**53 (exact in every JSON reader).
AMOUNT_MAX_FEN = 10**14
ITEM_MAX = 200
COUNTERPARTY_MAX = 100
VOUCHER_MAX = 40
NOTE_MAX = 200

# "Not given" for keyword arguments of partial updates (None can be a value).
UNSET: Any = object()

_DIRECTION_WORDS = {
    FinanceDirection.INCOME: {"income", "收入", "收", "+"},
    FinanceDirection.EXPENSE: {"expense", "支出", "支", "-"},
}


def lock_draft(*, actor: Any, disclosure: Disclosure, finance: bool = False) -> Disclosure:
    """The disclosure re-read under a row lock, checked: the actor may edit it, it is a draft (and,
    with ``finance``, a finance disclosure). Inside the caller's transaction."""
    locked = (
        Disclosure.objects.select_for_update(of=("self",))
        .select_related("node")
        .filter(pk=disclosure.pk)
        .first()
    )
    if locked is None:
        raise NotFound(_("公开内容不存在"), code="disclosure_not_found")
    if actor is not None and not rules.can_edit(actor, locked):
        raise Forbidden(_("您无权编制该单位的公开内容"), code="forbidden")
    if locked.status != DisclosureStatus.DRAFT:
        raise Conflict(
            _("该公开内容已发布，不能再修改；如有错误，请发起更正"),
            code="disclosure_published",
            data={"disclosure": locked.pk},
        )
    if finance and locked.area != Area.FINANCE:
        raise ValidationFailed(
            _("只有财务公开才有收支明细"), code="disclosure_not_finance", data={"area": locked.area}
        )
    return locked


# ---------------------------------------------------------------- one line's fields


def clean_direction(value: Any) -> str:
    text = str(value or "").strip().lower()
    for direction, words in _DIRECTION_WORDS.items():
        if text in words:
            return str(direction)
    raise ValidationFailed(
        _("收支只能填写“收入”或“支出”"), code="finance_direction_invalid", data={"value": str(value or "")}
    )


def clean_amount_fen(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationFailed(_("金额须为整数（单位：分）"), code="finance_amount_not_int")
    if value <= 0:
        raise ValidationFailed(
            _("金额须大于 0；收入还是支出请在“收支”中注明"), code="finance_amount_not_positive"
        )
    if value >= AMOUNT_MAX_FEN:
        raise ValidationFailed(_("金额过大，请核对"), code="finance_amount_too_large")
    return value


def clean_text(value: Any, *, limit: int, field: str, required: bool = False) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise ValidationFailed(_("请填写摘要"), code="finance_item_required", data={"field": field})
    if len(text) > limit:
        raise ValidationFailed(
            _("不能超过 {n} 个字").format(n=limit), code="disclosure_text_too_long", data={"field": field}
        )
    return text


def clean_title(value: Any, *, limit: int, field: str = "title") -> str:
    text = str(value or "").strip()
    if not text:
        raise ValidationFailed(_("请填写标题"), code="disclosure_title_required", data={"field": field})
    return clean_text(text, limit=limit, field=field)


def clean_line_date(value: Any, disclosure: Disclosure) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ValidationFailed(_("日期无效"), code="finance_date_invalid")
    start, end = disclosure.period_start, disclosure.period_end
    if start is not None and end is not None and not start <= value <= end:
        raise ValidationFailed(
            _("日期 {date} 不在所属期 {period}（{start} 至 {end}）内").format(
                date=value.isoformat(), period=disclosure.period, start=start.isoformat(), end=end.isoformat()
            ),
            code="finance_date_outside_period",
            data={"date": value.isoformat(), "period": disclosure.period},
        )
    return value


@dataclass(frozen=True)
class LineFields:
    direction: str
    date: dt.date
    item: str
    amount_fen: int
    counterparty: str = ""
    voucher_no: str = ""
    note: str = ""


def clean_line(
    disclosure: Disclosure,
    *,
    direction: Any,
    date: Any,
    item: Any,
    amount_fen: Any,
    counterparty: Any = "",
    voucher_no: Any = "",
    note: Any = "",
) -> LineFields:
    return LineFields(
        direction=clean_direction(direction),
        date=clean_line_date(date, disclosure),
        item=clean_text(item, limit=ITEM_MAX, field="item", required=True),
        amount_fen=clean_amount_fen(amount_fen),
        counterparty=clean_text(counterparty, limit=COUNTERPARTY_MAX, field="counterparty"),
        voucher_no=clean_text(voucher_no, limit=VOUCHER_MAX, field="voucher_no"),
        note=clean_text(note, limit=NOTE_MAX, field="note"),
    )


# ---------------------------------------------------------------- totals and published content


@dataclass(frozen=True)
class Totals:
    income_fen: int = 0
    expense_fen: int = 0

    @property
    def net_fen(self) -> int:
        return self.income_fen - self.expense_fen

    def as_dict(self) -> dict[str, int]:
        return {"income_fen": self.income_fen, "expense_fen": self.expense_fen, "net_fen": self.net_fen}


def totals_of(lines: Iterable[Any]) -> Totals:
    """Income, expense and net of any lines (FinanceLine rows or anything with the same fields)."""
    income = expense = 0
    for line in lines:
        if line.direction == FinanceDirection.INCOME:
            income += line.amount_fen
        else:
            expense += line.amount_fen
    return Totals(income, expense)


def line_content(line: FinanceLine) -> dict[str, Any]:
    return {
        "direction": str(line.direction),
        "date": line.date.isoformat(),
        "item": line.item,
        "counterparty": line.counterparty,
        "voucher_no": line.voucher_no,
        "amount_fen": int(line.amount_fen),
        "note": line.note,
    }


def published_content(disclosure: Disclosure, lines: list[FinanceLine]) -> dict[str, Any]:
    """What goes on the chain: strings and integers only (money in fen), so its hash survives any
    JSON round trip."""
    return {
        "area": str(disclosure.area),
        "title": disclosure.title,
        "period": disclosure.period,
        "body": disclosure.body,
        "lines": [line_content(line) for line in lines],
        "totals": totals_of(lines).as_dict(),
        **({"correction_reason": disclosure.correction_reason} if disclosure.corrects_id else {}),
    }
