"""``sanzhi verify <what>``: check what Sanzhi publishes is intact. ``publications``: the public hash
chain (sanzhi.disclosure.chain), from the database, or from any installation's public JSON with
``--url`` (so anyone can check a site they do not run). Exit 0 when intact; 1 naming the first bad
link (seq, problem, detail) on any alteration, deletion or reordering; 2 when the chain cannot be
read at all.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sanzhi.disclosure.chain import ChainProblem, verify_items, verify_stored
from sanzhi.disclosure.models import GENESIS_HASH, PublicationHead

JSON_PATH = "public/publications.json"
PAGE_LIMIT = 1000
TIMEOUT_SECONDS = 30
# A hostile or broken server must not keep the verifier paging forever.
MAX_PAGES = 1_000_000

Handler = Callable[[BaseCommand, dict[str, Any]], None]


class Unreadable(CommandError):
    """The chain could not be fetched or parsed: nothing was verified."""

    def __init__(self, message: str) -> None:
        super().__init__(message, returncode=2)


def chain_url(url: str) -> str:
    """A site's address or the JSON endpoint itself → the first page to fetch."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise Unreadable(_("地址必须以 http:// 或 https:// 开头：{url}").format(url=url))
    if parts.path.endswith(".json"):
        first = url
    else:
        first = urllib.parse.urljoin(url if url.endswith("/") else url + "/", JSON_PATH)
    split = urllib.parse.urlsplit(first)
    query = dict(urllib.parse.parse_qsl(split.query))
    query.setdefault("limit", str(PAGE_LIMIT))
    return urllib.parse.urlunsplit(split._replace(query=urllib.parse.urlencode(query)))


def fetch_page(url: str) -> dict[str, Any]:
    request = urllib.request.Request(
        url, headers={"Accept": "application/json", "User-Agent": "sanzhi-verify/1"}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            body = response.read()
    except (urllib.error.URLError, OSError) as exc:
        raise Unreadable(_("无法读取 {url}：{error}").format(url=url, error=exc)) from None
    try:
        data = json.loads(body)
    except ValueError:
        raise Unreadable(_("{url} 返回的不是 JSON").format(url=url)) from None
    head = data.get("head") if isinstance(data, dict) else None
    if (
        not isinstance(head, dict)
        or not isinstance(head.get("seq"), int)
        or not isinstance(head.get("hash"), str)
        or not isinstance(data.get("items"), list)
    ):
        raise Unreadable(_("{url} 不是公开发布链的格式（缺少 head 或 items）").format(url=url))
    return data


class RemoteChain:
    """The items of a served chain, page by page (following ``next``), up to the head served with
    the first page: items appended while the verifier pages are left for the next run."""

    def __init__(self, url: str) -> None:
        self.url = chain_url(url)
        self.first = fetch_page(self.url)
        self.head: tuple[int, str] = (self.first["head"]["seq"], self.first["head"]["hash"])

    def items(self) -> Iterator[dict[str, Any]]:
        page, url = self.first, self.url
        for _page in range(MAX_PAGES):
            last = None
            for item in page["items"]:
                if not isinstance(item, dict):
                    raise Unreadable(_("{url} 中有一条不是对象").format(url=url))
                last = item.get("seq")
                if isinstance(last, int) and last > self.head[0]:
                    return
                yield item
            following = page.get("next")
            if not following or last is None or (isinstance(last, int) and last >= self.head[0]):
                return
            url = urllib.parse.urljoin(url, str(following))
            page = fetch_page(url)


def _report(command: BaseCommand, options: dict[str, Any], count: int, head: tuple[int, str]) -> None:
    if not options["quiet"]:
        command.stdout.write(
            _("公开发布链校验通过：共 {count} 条，链头 #{seq} {hash}").format(
                count=count, seq=head[0], hash=head[1]
            )
        )


def _fail(problem: ChainProblem, count: int) -> CommandError:
    return CommandError(
        _("公开发布链校验失败：第一处问题在 #{seq}：{problem}（{detail}）；此前 {count} 条完好").format(
            seq=problem.seq, problem=problem.problem, detail=problem.detail, count=count
        )
    )


def _add_publications(parser: CommandParser) -> None:
    parser.add_argument(
        "--url",
        help=_("从网站的公开 JSON 校验（网站地址或 …/public/publications.json）"),
    )
    parser.add_argument("--quiet", action="store_true", help=_("通过时不输出"))


def _publications(command: BaseCommand, options: dict[str, Any]) -> None:
    if options.get("url"):
        remote = RemoteChain(options["url"])
        count, problem = verify_items(remote.items(), head=remote.head)
        head = remote.head
    else:
        count, problem = verify_stored()
        head = PublicationHead.objects.filter(pk=1).values_list("seq", "hash").first() or (0, GENESIS_HASH)
    if problem is not None:
        raise _fail(problem, count)
    _report(command, options, count, head)


SUBCOMMANDS: dict[str, tuple[Any, Callable[[CommandParser], None], Handler]] = {
    "publications": (
        gettext_lazy("校验公开发布链（三务公开、决议、公示、结果）"),
        _add_publications,
        _publications,
    ),
}


class Command(BaseCommand):
    help = "校验：publications 公开发布链 / verify: publications, the public hash chain"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        for name, (help_text, add, _handle) in SUBCOMMANDS.items():
            add(sub.add_parser(name, help=str(help_text)))

    def handle(self, *args: Any, **options: Any) -> None:
        _help, _add, handle = SUBCOMMANDS[options["subcommand"]]
        handle(self, options)
