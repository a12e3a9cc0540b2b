"""The ``sanzhi`` command: Django's manage.py with Sanzhi's own commands listed first."""

from __future__ import annotations

import os
import sys

SANZHI_COMMANDS = [
    ("init", "迁移数据库、收集静态文件、写入基础代码表 / migrate, collect static files, seed code tables"),
    ("demo", "建设示范镇（仅限空库或示范库）/ build the demo town (empty or demo database only)"),
    ("synth", "按规模生成合成户籍数据 / generate synthetic households at any scale"),
    ("serve", "以生产方式运行网站（gunicorn + whitenoise）/ run the production web server"),
    ("worker", "运行后台任务与超时升级时钟 / run background tasks and the escalation tick"),
    ("tick", "运行一次超时升级检查（--now 指定时刻）/ run one escalation tick (`tick --now ISO8601`)"),
    ("nodes", "列出或导入治理网格节点 / list nodes, or `nodes import FILE`"),
    ("coverage", "网格覆盖检查 / coverage report: unassigned households, reps and their load"),
    ("template", "生成导入模板 / write an import template (`template households OUT.xlsx`)"),
    ("import", "导入户籍人口 / import households and residents from xlsx or csv"),
    ("export", "导出户籍人口 / export households and residents to xlsx"),
    ("calendar", "工作日历：放假与调休上班 / working calendar: `calendar set DATE holiday|workday`"),
    ("apikey", "Open311 接口密钥 / Open311 keys: `apikey create NAME [--node CODE]`, `list`, `revoke`"),
    ("categories", "诉求分类：列出、导入、导出 / ticket categories: list, `import FILE`, `export OUT.xlsx`"),
    ("train-router", "训练智能分派模型（--report 输出准确率）/ train category & department suggestions"),
    ("kpis", "诉求考核指标汇总：--verify 核对 / --rebuild 重建 / ticket KPI rollups: verify or rebuild"),
    ("deliberation", "议事协商：规程模板、采用、议题 / deliberation: templates, adopt, procedures, matters"),
    ("disclosure", "三务公开：目录、日历、明细、发布 / disclosure: `plans`, `calendar`, `lines`, `publish`"),
    ("verify", "校验公开发布链（--url 校验任一网站）/ verify the chain: `verify publications [--url URL]`"),
    ("check", "检查配置（生产环境用 --deploy）/ system checks (`check --deploy` for production)"),
]

COMMAND_ALIASES = {"train-router": "train_router"}


def _print_help() -> None:
    print("用法 / usage: sanzhi <命令 command> [选项 options]\n")
    print("三治命令 / Sanzhi commands:")
    for name, text in SANZHI_COMMANDS:
        print(f"  {name:<10} {text}")
    print("\n`sanzhi <命令> --help` 查看命令说明；`sanzhi help --all` 列出全部 Django 命令。")
    print("`sanzhi <command> --help` for a command; `sanzhi help --all` for every Django command.")


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sanzhi.settings")
    if len(argv) < 2 or argv[1] in {"-h", "--help"} or argv[1:] == ["help"]:
        _print_help()
        return
    if argv[1:3] == ["help", "--all"]:
        argv = [argv[0], "help"]
    # Sanzhi's documented spelling of a few commands; Django names them after their modules.
    argv[1] = COMMAND_ALIASES.get(argv[1], argv[1])
    from django.core.management import execute_from_command_line
    from django.db import DatabaseError

    from sanzhi.core.errors import DomainError

    try:
        execute_from_command_line(argv)
    except DomainError as error:
        # Bad input on the command line gets the same translated message as on the web, not a traceback.
        print(f"错误 / error [{error.code}]: {error.message}", file=sys.stderr)
        sys.exit(2)
    except DatabaseError:
        # The commonest cause on a new install: tables missing because `sanzhi init` never ran.
        from sanzhi.core.dbstate import unapplied_migrations

        if not unapplied_migrations():
            raise
        print("错误 / error: 数据库尚未迁移到最新，请先运行 `sanzhi init`。", file=sys.stderr)
        print("              The database is not migrated: run `sanzhi init` first.", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
