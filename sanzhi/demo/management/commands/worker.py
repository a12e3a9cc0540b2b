"""``sanzhi worker``: the background task runner (django-tasks' database backend, no broker), and the
escalation clock: a thread runs the tick every SANZHI_TICK_SECONDS (default 60) while tasks run; the
same clock closes deliberation notices whose days are over.

Several workers may run at once: the tick's claims (row lock, ``deadline_handled``, the unique
TicketEscalation row) let each ticket climb each level once whichever worker gets there first.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import connections
from django.utils import timezone
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV

from sanzhi.deliberation.notices import notices_close_due
from sanzhi.tickets.escalation import TickReport, tick, tick_loop, tick_seconds

logger = logging.getLogger(__name__)


def _tick_all() -> TickReport:
    """One period of the clock: escalate overdue tickets, then close the public notices whose days
    are over and that hold no pending objection (议事公示)."""
    report = tick()
    try:
        notices_close_due(now=timezone.now())
    except Exception:
        logger.exception("closing due notices failed; retrying next period")
    return report


class Command(BaseCommand):
    help = "运行后台任务与超时升级时钟 / run background tasks (django-tasks-db) and the escalation tick"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--queue-name", default="*", help="队列，逗号分隔；* 为全部 / queues, * for all")
        parser.add_argument(
            "--interval", type=float, default=1.0, help="空闲轮询间隔（秒）/ idle poll interval"
        )
        parser.add_argument("--batch", action="store_true", help="处理完积压任务后退出 / drain and exit")
        parser.add_argument("--max-tasks", type=int, default=None)
        parser.add_argument(
            "--tick-seconds",
            type=float,
            default=None,
            help="超时升级检查间隔（秒），0 为不检查 / escalation tick period, 0 = off "
            "(default SANZHI_TICK_SECONDS=60)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self.verbosity = int(options["verbosity"])
        kwargs: dict[str, Any] = {
            "queue_name": options["queue_name"],
            "interval": options["interval"],
            "batch": options["batch"],
            "verbosity": options["verbosity"],
        }
        if options["max_tasks"] is not None:
            kwargs["max_tasks"] = options["max_tasks"]
        seconds = tick_seconds() if options["tick_seconds"] is None else options["tick_seconds"]
        if options["batch"]:
            # Drain-and-exit (cron, tests): one tick first, then the queue it may have filled.
            if seconds > 0:
                self._report(_tick_all())
            call_command("db_worker", **kwargs)
            return
        # Under the autoreloader (DEBUG) this process only watches files; its child runs the tick.
        watching_only = settings.DEBUG and os.environ.get(DJANGO_AUTORELOAD_ENV) != "true"
        stop = threading.Event()
        ticker: threading.Thread | None = None
        if seconds > 0 and not watching_only:
            ticker = threading.Thread(
                target=self._tick_thread, args=(stop, seconds), name="sanzhi-tick", daemon=True
            )
            ticker.start()
        try:
            call_command("db_worker", **kwargs)
        finally:
            # A signal makes db_worker exit the process; let a tick in flight finish its ticket.
            stop.set()
            if ticker is not None:
                ticker.join(timeout=30)

    def _tick_thread(self, stop: threading.Event, seconds: float) -> None:
        try:
            tick_loop(stop=stop, seconds=seconds, run=_tick_all, on_report=self._report)
        finally:
            connections.close_all()

    def _report(self, report: TickReport) -> None:
        if report.due and self.verbosity >= 1:
            self.stdout.write(
                f"tick {report.now.isoformat(timespec='seconds')}: escalated {report.escalated_total} "
                f"{dict(sorted(report.escalated.items()))}, overdue {report.overdue_total}, "
                f"skipped {report.skipped}, failed {len(report.failed)}"
            )
