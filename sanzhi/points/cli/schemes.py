"""``sanzhi points templates | adopt | schemes | rules export/import``: schemes and rule catalogs.

    sanzhi points templates
    sanzhi points adopt TEMPLATE --node CODE [--code C] [--name N]
    sanzhi points schemes [--under CODE] [--json]
    sanzhi points rules export SCHEME OUT.xlsx|OUT.csv [--node CODE]
    sanzhi points rules import SCHEME FILE.xlsx|FILE.csv [--node CODE] [--json]

SCHEME is a scheme's id or code (with ``--node`` when the code is used at several nodes). The CLI
runs as the operator; ``rules import`` writes nothing unless every row is valid and exits 1 otherwise.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.db.models import Count
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from sanzhi.core.rowerrors import render_row_errors
from sanzhi.grids.models import Node
from sanzhi.points.cli import Subcommand
from sanzhi.points.models import Scheme, Subject
from sanzhi.points.rules_io import RuleImportReport, export_rules, import_rules
from sanzhi.points.schemes import scheme_adopt
from sanzhi.points.templates_data import TEMPLATES


def _node(code: str) -> Node:
    try:
        return Node.objects.get(code=code)
    except Node.DoesNotExist:
        raise CommandError(_("没有编码为 {code} 的节点").format(code=code)) from None


def scheme_by_ref(ref: str, node_code: str | None = None) -> Scheme:
    """A scheme by id, or by code (narrowed to ``node_code`` when the code is used at several nodes)."""
    schemes = Scheme.objects.select_related("node")
    if node_code:
        schemes = schemes.filter(node=_node(node_code))
    found = list(schemes.filter(pk=int(ref))) if ref.isdigit() else []
    found = found or list(schemes.filter(code=ref))
    if not found:
        raise CommandError(_("没有编号或编码为 {ref} 的积分方案").format(ref=ref))
    if len(found) > 1:
        places = "、".join(f"{s.node.code} {s.node.name}" for s in found)
        raise CommandError(
            _("编码 {ref} 在多个节点使用（{places}），请用 --node 指定").format(ref=ref, places=places)
        )
    return found[0]


# ---------------------------------------------------------------- templates


def _templates_add(parser: CommandParser) -> None:
    parser.add_argument("--json", action="store_true", help=_("输出 JSON"))


def _templates(command: Any, options: dict[str, Any]) -> None:
    rows = [
        {
            "key": t.key,
            "name": t.name,
            "subject": t.subject,
            "categories": len(t.categories),
            "rules": t.rule_count,
            "title": str(t.title),
        }
        for t in TEMPLATES.values()
    ]
    if options["json"]:
        command.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for t in TEMPLATES.values():
        command.stdout.write(
            f"{t.key}\t{t.name}\t"
            + _("{s}，{c} 类 {r} 项").format(s=Subject(t.subject).label, c=len(t.categories), r=t.rule_count)
            + f"\n\t{t.title}"
        )


# ---------------------------------------------------------------- adopt


def _adopt_add(parser: CommandParser) -> None:
    parser.add_argument("template", choices=sorted(TEMPLATES), help=_("方案模板"))
    parser.add_argument("--node", required=True, help=_("采用方案的节点编码"))
    parser.add_argument("--code", help=_("方案编码（默认为模板名）"))
    parser.add_argument("--name", help=_("方案名称（默认为节点名＋模板名）"))


def _adopt(command: Any, options: dict[str, Any]) -> None:
    node = _node(options["node"])
    scheme = scheme_adopt(
        actor=None, template=options["template"], node=node, code=options["code"], name=options["name"]
    )
    command.stdout.write(
        _("已在{node}采用方案“{name}”（编号 {id}，编码 {code}）：{c} 个类别，{r} 条细则").format(
            node=node.name,
            name=scheme.name,
            id=scheme.pk,
            code=scheme.code,
            c=scheme.categories.count(),
            r=scheme.rules.count(),
        )
    )


# ---------------------------------------------------------------- schemes


def _schemes_add(parser: CommandParser) -> None:
    parser.add_argument("--under", help=_("只列该节点及其下级的方案"))
    parser.add_argument("--json", action="store_true", help=_("输出 JSON"))


def _schemes(command: Any, options: dict[str, Any]) -> None:
    schemes = Scheme.objects.select_related("node").annotate(
        n_rules=Count("rules", distinct=True), n_accounts=Count("accounts", distinct=True)
    )
    if options["under"]:
        schemes = schemes.filter(node_path__startswith=_node(options["under"]).path)
    rows = [
        {
            "id": s.pk,
            "code": s.code,
            "name": s.name,
            "node": s.node.code,
            "node_name": s.node.name,
            "subject": s.subject,
            "template": s.template,
            "rules": s.n_rules,
            "accounts": s.n_accounts,
            "active": s.active,
        }
        for s in schemes.order_by("node_path", "code")
    ]
    if options["json"]:
        command.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        stopped = "" if r["active"] else f" ({_('停用')})"
        command.stdout.write(
            f"{r['id']}\t{r['code']}\t{r['name']}{stopped}\t{r['node']} {r['node_name']}\t"
            + _("{rules} 条细则，{accounts} 个账户").format(rules=r["rules"], accounts=r["accounts"])
        )
    command.stdout.write(_("共 {n} 个积分方案").format(n=len(rows)))


# ---------------------------------------------------------------- rules export / import


def _rules_add(parser: CommandParser) -> None:
    sub = parser.add_subparsers(dest="rules_action", required=True)
    export = sub.add_parser("export", help=_("导出方案的积分细则"))
    export.add_argument("scheme", help=_("方案编号或编码"))
    export.add_argument("file", help=_("导出文件（.xlsx 或 .csv）"))
    export.add_argument("--node", help=_("方案所在节点编码（编码重名时）"))
    imp = sub.add_parser("import", help=_("从 xlsx/csv 导入积分细则（全部正确才写入）"))
    imp.add_argument("scheme", help=_("方案编号或编码"))
    imp.add_argument("file", help=_("导入文件（.xlsx 或 .csv）"))
    imp.add_argument("--node", help=_("方案所在节点编码（编码重名时）"))
    imp.add_argument("--json", action="store_true", help=_("输出 JSON"))


def _rules(command: Any, options: dict[str, Any]) -> None:
    scheme = scheme_by_ref(options["scheme"], options.get("node"))
    if options["rules_action"] == "export":
        count = export_rules(scheme=scheme, path=options["file"])
        command.stdout.write(_("已导出 {n} 条细则到 {file}").format(n=count, file=options["file"]))
        return
    report = import_rules(actor=None, scheme=scheme, path=options["file"])
    if options.get("json"):
        command.stdout.write(json.dumps(report.as_dict(get_language()), ensure_ascii=False, indent=2))
    else:
        command.stdout.write(render_import(report))
    if not report.ok:
        raise CommandError(_("导入未执行：文件中有错误，未写入任何数据"), returncode=1)


def render_import(report: RuleImportReport) -> str:
    if report.file_error is not None:
        return report.file_error.message
    if report.errors:
        return render_row_errors(report.rows, report.errors)
    return _("共 {n} 行：新建 {c}，更新 {u}，未变 {s}；新建类别 {k}").format(
        n=report.rows,
        c=len(report.created),
        u=len(report.updated),
        s=report.unchanged,
        k=len(report.categories_created),
    )


SUBCOMMANDS: dict[str, Subcommand] = {
    "templates": (_("列出可采用的积分方案模板"), _templates_add, _templates),
    "adopt": (_("按模板在节点采用积分方案"), _adopt_add, _adopt),
    "schemes": (_("列出积分方案"), _schemes_add, _schemes),
    "rules": (_("积分细则导出（export）与导入（import）"), _rules_add, _rules),
}
