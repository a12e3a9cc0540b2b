"""``sanzhi apikey``: keys for Open311 clients.

    sanzhi apikey create NAME [--node CODE]   prints the new key once (only its hash is stored)
    sanzhi apikey list                        id, prefix, name, node, created, last used, revoked
    sanzhi apikey revoke PREFIX|ID

A key created with ``--node CODE`` lands the requests it posts in that node (a grid, community or
street), unless a request names a node inside it (``node`` / ``attribute[node]``).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from sanzhi.api.apikeys import apikey_create, apikey_find, apikey_list, apikey_revoke
from sanzhi.core.errors import DomainError
from sanzhi.grids.selectors import node_get
from sanzhi.tickets.intake import landing_for


def _when(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "-"


class Command(BaseCommand):
    help = "Open311 接口密钥：create NAME [--node CODE] | list | revoke PREFIX|ID"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help=_("新建密钥（只显示一次）"))
        create.add_argument("name", help=_("密钥名称，如使用方"))
        create.add_argument("--node", metavar="CODE", help=_("该密钥提交的诉求默认落在此节点"))
        sub.add_parser("list", help=_("列出密钥"))
        revoke = sub.add_parser("revoke", help=_("作废密钥"))
        revoke.add_argument("ref", metavar="PREFIX|ID", help=_("密钥前缀或编号"))

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, "_" + options["action"])(options)
        except DomainError as exc:
            raise CommandError(exc.message) from None

    def _create(self, options: dict[str, Any]) -> None:
        node = node_get(code=options["node"]) if options.get("node") else None
        if node is not None:
            landing_for(node)  # a key must land requests where a ticket can live
        key, raw = apikey_create(actor=None, name=options["name"], node=node)
        created = _("已创建密钥 #{id}「{name}」，前缀 {prefix}")
        self.stdout.write(created.format(id=key.pk, name=key.name, prefix=key.prefix))
        self.stdout.write(_("密钥只显示这一次，请妥善保存："))
        self.stdout.write(raw)

    def _list(self, options: dict[str, Any]) -> None:
        header = [_("编号"), _("前缀"), _("名称"), _("默认节点"), _("创建时间"), _("最近使用"), _("作废时间")]
        self.stdout.write("\t".join(header))
        for key in apikey_list():
            row = [
                str(key.pk),
                key.prefix,
                key.name,
                key.node.code if key.node is not None else "-",
                _when(key.created_at),
                _when(key.last_used_at),
                _when(key.revoked_at),
            ]
            self.stdout.write("\t".join(row))

    def _revoke(self, options: dict[str, Any]) -> None:
        key = apikey_find(options["ref"])
        if apikey_revoke(actor=None, key=key):
            self.stdout.write(_("已作废密钥 #{id}（{prefix}…）").format(id=key.pk, prefix=key.prefix))
        else:
            self.stdout.write(_("密钥 #{id} 早已作废").format(id=key.pk))
