"""GeoReport v2 endpoints. Every one answers ``.json`` and ``.xml``; errors are the spec's
``[{code, description}]`` with HTTP 400, 403, 404 (405 for a wrong method).

Reads are public and anonymized (``public.py``); POST requests needs an ``api_key``
(``sanzhi apikey create``). Where a request lands, in order: ``node`` (or ``attribute[node]``, or a
numeric ``jurisdiction_id``) naming a grid/community/street inside the key's node; else the key's node
(``--node`` at creation). A key without a node must name one. ``lat``/``long``, ``address_string``
or ``address_id`` is still required, as the spec says, and kept on the ticket; there is no geocoding.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.paginator import EmptyPage, Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from sanzhi.api.apikeys import apikey_authenticate
from sanzhi.api.models import ApiKey, Open311Request
from sanzhi.api.open311 import public
from sanzhi.api.open311.formats import Open311Error, render, render_errors
from sanzhi.api.open311.services import open311_request_create
from sanzhi.core.errors import DomainError
from sanzhi.grids.models import Node
from sanzhi.tickets.intake import landing_for

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
DEFAULT_SPAN = dt.timedelta(days=90)
DEFAULT_LIMIT = 1000
MAX_IDS = 1000

View = Callable[..., HttpResponse]


def open311_view(*methods: str) -> Callable[[View], View]:
    """Method check, spec-shaped errors for Open311Error and DomainError; no CSRF (keys, not cookies)."""

    def decorate(view: View) -> View:
        @csrf_exempt
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, fmt: str = "xml", **kwargs: Any) -> HttpResponse:
            if request.method not in methods:
                response = render_errors(fmt, 405, _("不支持的请求方法 {m}").format(m=request.method))
                response["Allow"] = ", ".join(methods)
                return response
            try:
                _reject_nul(request)
                return view(request, *args, fmt=fmt, **kwargs)
            except Open311Error as error:
                return render_errors(fmt, error.status, error.description)
            except DomainError as error:
                status = error.http_status if error.http_status in (400, 403, 404) else 400
                return render_errors(fmt, status, error.message)

        return wrapped

    return decorate


def _reject_nul(request: HttpRequest) -> None:
    # PostgreSQL cannot store or even compare text with NUL; such input is junk, not a 500.
    for params in (request.GET, request.POST):
        for name, values in params.lists():
            if "\x00" in name or any("\x00" in v for v in values):
                raise Open311Error(400, _("参数中不能有空字符"))


def _base_url(request: HttpRequest) -> str:
    discovery_url = request.build_absolute_uri(reverse("open311:discovery", kwargs={"fmt": "json"}))
    return discovery_url.rsplit("/", 1)[0] + "/"


# ---- discovery and services -------------------------------------------------------------------------


@open311_view("GET", "HEAD")
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    changeset = public.changeset()
    body = {
        "changeset": changeset,
        "contact": _("请联系本平台管理员"),
        "key_service": _("接口密钥由平台管理员用 `sanzhi apikey create` 签发"),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": _base_url(request),
                "changeset": changeset,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return render(fmt, "discovery", body)


@open311_view("GET", "HEAD")
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    return render(fmt, "services", [public.service_item(s) for s in public.services()])


@open311_view("GET", "HEAD")
def service_definition(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    service = public.service_by_code(code)
    if service is None:
        raise Open311Error(404, _("service_code {code} 不存在").format(code=code))
    # metadata is false for every service: no attributes to describe.
    return render(fmt, "service_definition", {"service_code": service.category.code, "attributes": []})


# ---- service requests -------------------------------------------------------------------------------


def _aware(value: str, name: str, *, end: bool = False) -> dt.datetime:
    parsed = parse_datetime(value) if "T" in value or " " in value else None
    if parsed is None:
        try:
            day = parse_date(value)
        except ValueError:
            day = None
        if day is None:
            raise Open311Error(400, _("{name} 不是 ISO 8601 时间：{v}").format(name=name, v=value[:40]))
        parsed = dt.datetime.combine(day, dt.time.max if end else dt.time.min)
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _csv(params: QueryDict, name: str) -> list[str]:
    return [v.strip() for v in params.get(name, "").split(",") if v.strip()]


def _int_param(params: QueryDict, name: str, default: int, maximum: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise Open311Error(400, _("{name} 须为 1 到 {max} 的整数").format(name=name, max=maximum))
    return int(raw)


def _search(request: HttpRequest, fmt: str) -> HttpResponse:
    params = request.GET
    tickets = public.public_requests()
    ids = _csv(params, "service_request_id")
    if ids:
        # The spec: a list of ids overrides every other argument.
        if len(ids) > MAX_IDS or not all(i.isdigit() and len(i) <= 18 for i in ids):
            raise Open311Error(400, _("service_request_id 须为逗号分隔的编号"))
        found = list(tickets.filter(pk__in=[int(i) for i in ids]))
        return render(fmt, "service_requests", [public.request_item(t) for t in found])
    codes = _csv(params, "service_code")
    if codes:
        tickets = tickets.filter(category__code__in=codes)
    statuses = set(_csv(params, "status"))
    if statuses - {"open", "closed"}:
        raise Open311Error(400, _("status 只能是 open 或 closed"))
    if statuses == {"open"}:
        tickets = tickets.filter(state__in=public.OPEN311_OPEN)
    elif statuses == {"closed"}:
        tickets = tickets.filter(state__in=public.OPEN311_CLOSED)
    start_raw, end_raw = params.get("start_date", ""), params.get("end_date", "")
    end = _aware(end_raw, "end_date", end=True) if end_raw else None
    start = _aware(start_raw, "start_date") if start_raw else None
    if start is None:
        start = (end or timezone.now()) - DEFAULT_SPAN
    if end is None and start_raw:
        end = start + DEFAULT_SPAN
    if end is not None:
        if end < start:
            raise Open311Error(400, _("end_date 早于 start_date"))
        if end - start > DEFAULT_SPAN + dt.timedelta(days=1):
            raise Open311Error(400, _("查询时间跨度不能超过 90 天"))
        tickets = tickets.filter(created_at__lte=end)
    tickets = tickets.filter(created_at__gte=start)
    # Extension (GeoReport v2 wiki, "Pagination"): page and page_size, at most 1000 a page.
    page_size = _int_param(params, "page_size", DEFAULT_LIMIT, DEFAULT_LIMIT)
    page_number = _int_param(params, "page", 1, 10**9)
    try:
        rows = list(Paginator(tickets, page_size).page(page_number).object_list)
    except EmptyPage:
        rows = []
    return render(fmt, "service_requests", [public.request_item(t) for t in rows])


def _key(request: HttpRequest) -> ApiKey:
    raw = request.POST.get("api_key") or request.GET.get("api_key") or ""
    if not raw:
        raise Open311Error(403, _("缺少 api_key，不能提交诉求"))
    key = apikey_authenticate(raw)
    if key is None:
        raise Open311Error(403, _("api_key 无效或已作废，不能提交诉求"))
    return key


def _landing(request: HttpRequest, key: ApiKey) -> Node:
    data = request.POST
    code = data.get("node") or data.get("attribute[node]") or ""
    jurisdiction = data.get("jurisdiction_id", "")
    if not code and jurisdiction.isdigit():
        code = jurisdiction
    if not code:
        if key.node is None:
            raise Open311Error(400, _("无法确定诉求所在网格：请提供 node（网格、社区或街道编码）"))
        return key.node
    node = Node.objects.filter(code=code[:30]).first() if code.isdigit() else None
    if node is None or (key.node is not None and not node.path.startswith(key.node.path)):
        raise Open311Error(400, _("node {code} 不存在或不在该密钥的范围内").format(code=code[:30]))
    landing_for(node)
    return node


def _reporter_name(first: str, last: str) -> str:
    if (first + last).isascii():
        return " ".join(p for p in (first, last) if p)
    return last + first  # 姓在前


def _create(request: HttpRequest, fmt: str) -> HttpResponse:
    key = _key(request)
    data = request.POST
    code = data.get("service_code", "").strip()
    if not code:
        raise Open311Error(400, _("缺少 service_code"))
    service = public.service_by_code(code)
    if service is None:
        raise Open311Error(400, _("service_code {code} 不存在").format(code=code[:40]))
    lat, long = data.get("lat", "").strip(), data.get("long", "").strip()
    address = data.get("address_string", "").strip()
    if bool(lat) != bool(long):
        raise Open311Error(400, _("lat 和 long 须同时提供"))
    if not (lat or address or data.get("address_id", "").strip()):
        raise Open311Error(400, _("须提供位置：lat 和 long、address_string 或 address_id 之一"))
    node = _landing(request, key)
    ticket, row = open311_request_create(
        api_key=key,
        category=service.category,
        node=node,
        text=data.get("description", "").strip() or public.service_item(service)["service_name"],
        address=address,
        latitude=lat or None,
        longitude=long or None,
        reporter_name=_reporter_name(data.get("first_name", "").strip(), data.get("last_name", "").strip()),
        reporter_phone=data.get("phone", "").strip(),
    )
    body = [{"service_request_id": ticket.pk, "token": row.token, "service_notice": "", "account_id": None}]
    return render(fmt, "service_requests", body, status=201)


@open311_view("GET", "HEAD", "POST")
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _create(request, fmt)
    return _search(request, fmt)


@open311_view("GET", "HEAD")
def request_detail(request: HttpRequest, fmt: str, request_id: str) -> HttpResponse:
    ticket = public.public_requests().filter(pk=int(request_id)).first() if len(request_id) <= 18 else None
    if ticket is None:
        raise Open311Error(404, _("service_request_id {id} 不存在").format(id=request_id[:20]))
    return render(fmt, "service_requests", [public.request_item(ticket)])


@open311_view("GET", "HEAD")
def token(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    row = Open311Request.objects.filter(token=token).first()
    if row is None:
        raise Open311Error(404, _("token {token} 不存在").format(token=token[:64]))
    return render(fmt, "service_requests", [{"service_request_id": row.ticket_id, "token": row.token}])


@open311_view("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
def not_found(request: HttpRequest, fmt: str) -> HttpResponse:
    raise Open311Error(404, _("没有这个 Open311 资源"))


def not_found_any(request: HttpRequest, path: str = "") -> HttpResponse:
    return not_found(request, fmt="json" if path.endswith(".json") else "xml")
