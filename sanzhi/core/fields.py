from __future__ import annotations

from typing import Any

from django.db import models


class PathField(models.CharField):
    """A copy of a grid node's materialized path (treebeard MP_Node.path) on a big table.

    On PostgreSQL the column uses the "C" collation so one btree index serves both the subtree
    prefix range (``LIKE 'path%'``) and ``ORDER BY`` path; SQLite compares bytes already.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 255)
        super().__init__(*args, **kwargs)

    def db_parameters(self, connection: Any) -> dict[str, Any]:
        params = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            params["collation"] = "C"
        return params
