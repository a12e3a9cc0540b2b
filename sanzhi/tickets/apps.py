from django.apps import AppConfig
from django.db.models.signals import post_migrate


class TicketsConfig(AppConfig):
    name = "sanzhi.tickets"
    label = "tickets"
    verbose_name = "诉求事件"

    def ready(self) -> None:
        from sanzhi.tickets.search import repair_after_migrate

        # SQLite drops the search triggers whenever a migration rebuilds the ticket table.
        post_migrate.connect(repair_after_migrate, sender=self, dispatch_uid="tickets_search_repair")
