"""Page-number pagination with a bounded page size, a bounded count and JSON errors for pages that
do not exist.

Counting every row a big scope holds (a district's million tickets) costs more than the page itself,
so on PostgreSQL the count is exact only up to ``COUNT_CAP`` rows; beyond that the response says
``count_exact: false`` and ``count`` is the planner's estimate (at least ``COUNT_CAP + 1``). Whether
another page follows is known exactly all the same: each page is read with one row more than it shows.
SQLite (one community to one township) always counts exactly.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import connections
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from sanzhi.core.errors import NotFound

COUNT_CAP = 10_000
MAX_OFFSET = 10**9


def bounded_count(rows: QuerySet[Any] | list[Any]) -> tuple[int, bool]:
    """(count, exact): exact up to COUNT_CAP rows, else the PostgreSQL planner's estimate."""
    if not isinstance(rows, QuerySet):
        return len(rows), True
    if connections[rows.db].vendor != "postgresql":
        return rows.count(), True
    # Ids only: no joined columns to fetch in the count, none to plan in the estimate.
    ids = rows.order_by().values("pk")
    capped = ids[: COUNT_CAP + 1].count()
    if capped <= COUNT_CAP:
        return capped, True
    plan = json.loads(ids.explain(format="json"))
    estimate = int(plan[0]["Plan"]["Plan Rows"])
    return max(estimate, COUNT_CAP + 1), False


class _Page:
    """One page of rows, read with one extra row so ``has_next`` needs no count."""

    def __init__(self, rows: list[Any], number: int, has_next: bool) -> None:
        self.rows, self.number, self._has_next = rows, number, has_next

    def __iter__(self) -> Any:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def has_next(self) -> bool:
        return self._has_next

    def has_previous(self) -> bool:
        return self.number > 1

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(
        self, queryset: QuerySet[Any] | list[Any], request: Request, view: APIView | None = None
    ) -> list[Any] | None:
        # DRF answers an unparsable or out-of-range page with an untranslated NotFound; ours carries a
        # stable code and says how many pages there are.
        self.request = request
        page_size = self.get_page_size(request)
        if not page_size:
            return None
        raw = request.query_params.get(self.page_query_param) or "1"
        if raw in self.last_page_strings:
            number = self._num_pages(queryset, page_size)
        else:
            try:
                number = int(raw)
            except ValueError:
                number = 0
            # Far past any real list (and past what an SQL OFFSET can hold): not a page.
            if number < 1 or number > MAX_OFFSET // page_size:
                self._invalid(raw, queryset, page_size)
        offset = (number - 1) * page_size
        fetched = list(queryset[offset : offset + page_size + 1])
        rows, has_next = fetched[:page_size], len(fetched) > page_size
        if number > 1 and not rows:
            self._invalid(raw, queryset, page_size)
        if has_next:
            self.count, self.count_exact = bounded_count(queryset)
        else:
            self.count, self.count_exact = offset + len(rows), True
        self.page = _Page(rows, number, has_next)  # type: ignore[assignment]
        return rows

    @staticmethod
    def _num_pages(queryset: QuerySet[Any] | list[Any], page_size: int) -> int:
        total = len(queryset) if isinstance(queryset, list) else queryset.count()
        return max(1, -(-total // page_size))

    def _invalid(self, raw: str, queryset: QuerySet[Any] | list[Any], page_size: int) -> None:
        raise NotFound(
            _("页码 {page} 不存在").format(page=str(raw)[:20]),
            code="invalid_page",
            data={"num_pages": self._num_pages(queryset, page_size)},
        )

    def get_paginated_response(self, data: Any) -> Response:
        return Response(
            {
                "count": self.count,
                "count_exact": self.count_exact,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        response = super().get_paginated_response_schema(schema)
        response["properties"]["count_exact"] = {
            "type": "boolean",
            "description": "false: count is an estimate (more than 10,000 rows; PostgreSQL only)",
        }
        response["properties"] = {
            key: response["properties"][key]
            for key in ("count", "count_exact", "next", "previous", "results")
        }
        return response

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        params = super().get_schema_operation_parameters(view)
        for param in params:
            if param["name"] == self.page_query_param:
                param["schema"] = {"type": "integer", "minimum": 1}
            elif param["name"] == self.page_size_query_param:
                # Values outside the range fall back to the default size rather than failing.
                param["schema"] = {"type": "integer", "minimum": 1, "maximum": self.max_page_size}
        return params
