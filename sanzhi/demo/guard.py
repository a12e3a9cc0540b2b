"""Which databases the demo may touch, and how it clears its own data.

Rule: the demo builds only on an empty database (no node, household or user) or on a database that
is demo data and nothing else: the ``demo.build`` marker row exists, every account's username starts
with ``demo-``, and every node lies inside the demo county. Anything else is somebody's real data,
and the demo refuses to touch it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.db import connection, models, transaction
from django.utils.translation import gettext as _

from sanzhi.accounts.models import User
from sanzhi.core.models import AuditEvent
from sanzhi.grids.models import Node
from sanzhi.people.models import Household

DEMO_MARKER_ACTION = "demo.build"
DEMO_USER_PREFIX = "demo-"
DEMO_COUNTY_CODE = "511923000000"


@dataclass(frozen=True)
class DbState:
    kind: str  # "empty" | "demo" | "foreign"
    reason: str = ""


def database_state() -> DbState:
    has_nodes = Node.objects.exists()
    has_households = Household.objects.exists()
    has_users = User.objects.exists()
    if not (has_nodes or has_households or has_users):
        return DbState("empty")
    if not AuditEvent.objects.filter(action=DEMO_MARKER_ACTION).exists():
        return DbState("foreign", _("库中已有数据，但不是示范数据（没有示范标记）"))
    outsider = User.objects.exclude(username__startswith=DEMO_USER_PREFIX).values_list("username", flat=True)
    if name := outsider.first():
        return DbState("foreign", _("库中有非示范账号 {name}").format(name=name))
    county = Node.objects.filter(code=DEMO_COUNTY_CODE).first()
    stray = Node.objects.exclude(path__startswith=county.path) if county else Node.objects.all()
    if node := stray.first():
        return DbState("foreign", _("库中有示范县以外的节点 {node}").format(node=node))
    return DbState("demo")


def _doomed_models() -> list[type[models.Model]]:
    """Every model whose rows hang off a node or an account, transitively (tickets, points … included),
    plus the per-installation state tables. Shared code tables (tags, categories) are kept."""
    everything = apps.get_models(include_auto_created=True)
    doomed: set[type[models.Model]] = {Node, User}
    kept = set(_kept_models())
    grew = True
    while grew:
        grew = False
        for model in everything:
            if model in doomed or model in kept or model._meta.proxy or not model._meta.managed:
                continue
            if any(f.is_relation and f.related_model in doomed for f in model._meta.concrete_fields):
                doomed.add(model)
                grew = True
    doomed.add(AuditEvent)
    # The publication chain's head (no foreign key): a wipe starts the chain again at #1.
    for label in (
        "sessions.Session",
        "accounts.LoginFailure",
        "django_tasks_db.DBTaskResult",
        "disclosure.PublicationHead",
    ):
        try:
            doomed.add(apps.get_model(label))
        except LookupError:
            continue
    return sorted(doomed, key=lambda m: m._meta.db_table)


def _kept_models() -> list[type[models.Model]]:
    """Code tables that point at demo rows but are the deployment's own (the category tree points at
    the demo's departments): kept, their links to demo rows cleared before the wipe."""
    try:
        return [apps.get_model("tickets.Category"), apps.get_model("tickets.CategoryLimit")]
    except LookupError:
        return []


@transaction.atomic
def wipe_demo() -> int:
    """Delete all demo data. Only call after ``database_state()`` said "demo".

    Plain DELETEs inside one transaction: foreign keys are created DEFERRABLE INITIALLY DEFERRED on
    both backends, so the order of the tables does not matter and they are checked at commit.
    """
    deleted = 0
    kept = _kept_models()
    if kept:
        kept[0]._default_manager.filter(department__isnull=False).update(department=None)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The points ledger and the publication chain refuse DELETE unless a wipe says so
            # (points migration 0002, disclosure migration 0002).
            cursor.execute("SET LOCAL sanzhi.ledger_wipe = 'on'")
        for model in _doomed_models():
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")
            deleted += max(cursor.rowcount, 0)
    return deleted
