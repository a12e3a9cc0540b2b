"""Background work of deliberation (django-tasks, database backend; ``sanzhi worker`` runs it).

``close_due_notices``: close every public notice whose period has ended without a pending
objection (公示期满自动结束). Thin and idempotent: it calls ``notices.notices_close_due``, which
closes each notice at most once however often (or in however many workers) it runs. Enqueue it
with ``close_due_notices.enqueue()``, or run it in the worker's periodic tick with
``close_due_notices.call()``.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks import task

from sanzhi.deliberation.notices import notices_close_due


@task()
def close_due_notices(now: str | None = None) -> dict[str, list[int]]:
    """``now``: an ISO 8601 instant (task arguments are JSON), default the current time. Returns the
    ids closed, skipped (closed meanwhile or objected to) and failed."""
    at = dt.datetime.fromisoformat(now) if now else timezone.now()
    if timezone.is_naive(at):
        at = timezone.make_aware(at, timezone.get_default_timezone())
    report = notices_close_due(now=at)
    return {"closed": report.closed, "skipped": report.skipped, "failed": report.failed}
