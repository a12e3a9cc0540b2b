from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q


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


# Greater than every character of treebeard's path alphabet (0-9, A-Z) in byte order.
_PATH_CEILING = "~"


def subtree_q(field: str, path: str) -> Q:
    """Rows whose path copy lies in the subtree at ``path``, as a range (``path <= x < path~``).

    A range uses the btree index on SQLite too, where Django's ``LIKE … ESCAPE`` for startswith
    cannot; on PostgreSQL the C collation of PathField makes the range equal to the prefix.
    """
    return Q(**{f"{field}__gte": path, f"{field}__lt": path + _PATH_CEILING})
