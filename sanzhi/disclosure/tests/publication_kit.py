"""What the publication-chain tests share: publishing straight onto the chain, tampering with it
behind the services' back (as someone with database access would), and plain-HTTP web settings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection, transaction

from sanzhi.core.append_only import arm, disarm
from sanzhi.disclosure import chain
from sanzhi.disclosure.models import Publication, PublicationKind

TABLES = ("disclosure_publication",)
T0 = dt.datetime(2026, 10, 5, 9, 0, tzinfo=dt.UTC)


def finance_content(period: str = "2026-09", lines: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    lines = lines or [
        {
            "direction": "income",
            "date": "2026-09-03",
            "item": "上级转移支付",
            "counterparty": "江口镇财政所",
            "voucher_no": "记-001",
            "amount_fen": 12_000_000,
            "note": "",
        },
        {
            "direction": "expense",
            "date": "2026-09-12",
            "item": "村道路灯维修",
            "counterparty": "平昌县明亮电器",
            "voucher_no": "记-002",
            "amount_fen": 345_678,
            "note": "含材料费",
        },
        {
            "direction": "expense",
            "date": "2026-09-20",
            "item": "办公用品",
            "counterparty": "江口文具店",
            "voucher_no": "记-003",
            "amount_fen": 10_050,
            "note": "",
        },
    ]
    return {
        "area": "finance",
        "title": f"{period} 财务收支明细",
        "period": period,
        "body": "本月财务收支情况公开如下，如有疑问请向村务监督委员会反映。",
        "lines": lines,
        "totals": {"income_fen": 12_000_000, "expense_fen": 355_728},
    }


def publish(
    node: Any,
    title: str,
    content: Any,
    *,
    kind: str = PublicationKind.DISCLOSURE,
    corrects: Publication | None = None,
    now: dt.datetime | None = None,
    ref: str = "",
) -> Publication:
    with transaction.atomic():
        return chain.append(
            kind=kind,
            node=node,
            title=title,
            ref=ref or f"test:{title}",
            content=content,
            corrects=corrects,
            now=now or T0,
        )


def publish_many(node: Any, count: int, *, start: dt.datetime = T0) -> list[Publication]:
    kinds = [PublicationKind.DISCLOSURE, PublicationKind.RESOLUTION, PublicationKind.RESULT]
    return [
        publish(
            node,
            f"公开第{i + 1}号",
            {"area": "affairs", "body": f"第{i + 1}号公开内容", "n": i + 1},
            kind=kinds[i % 3],
            now=start + dt.timedelta(days=i),
        )
        for i in range(count)
    ]


class _Executor:
    """The bit of a schema editor ``arm``/``disarm`` use, without the schema editor's own
    transaction rules (SQLite's refuses to open inside a test's transaction)."""

    def __init__(self) -> None:
        self.connection = connection

    def execute(self, sql: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql)


def _unguarded(sql: str, params: list[Any]) -> None:
    executor = _Executor()
    disarm(executor, TABLES)
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
    finally:
        arm(executor, TABLES)


def tamper(seq: int, column: str, value: Any) -> None:
    assert column.isidentifier()
    if column == "content":
        value = chain.canonical_json(value)
    _unguarded(f"UPDATE disclosure_publication SET {column} = %s WHERE seq = %s", [value, seq])


def swap_seqs(a: int, b: int) -> None:
    """Reorder two items (their seq values trade places; everything else stays)."""
    _unguarded(
        "UPDATE disclosure_publication SET seq = CASE seq WHEN %s THEN %s ELSE %s END WHERE seq IN (%s, %s)",
        [a, -b, -a, a, b],
    )
    _unguarded("UPDATE disclosure_publication SET seq = -seq WHERE seq < 0", [])


def delete(seq: int) -> None:
    _unguarded("DELETE FROM disclosure_publication WHERE seq = %s", [seq])


@pytest.fixture(scope="session")
def plain_http(django_test_environment: None) -> Iterator[None]:
    """As in sanzhi/web/tests/conftest.py: plain HTTP and static files from the app folders, set
    before the (session-wide) live server builds its middleware."""
    from django.conf import settings
    from django.test.utils import override_settings

    override = override_settings(
        SECURE_SSL_REDIRECT=False,
        SESSION_COOKIE_SECURE=False,
        CSRF_COOKIE_SECURE=False,
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    )
    override.enable()
    yield
    override.disable()
