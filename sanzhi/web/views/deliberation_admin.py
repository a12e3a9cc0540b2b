"""The deliberation console's other pages: 村民说事 (answer a saying, or accept it as a matter under a
chosen procedure), bodies and their members (议事主体), and procedures (议事规程: stages with their
rules in words; adopting a template at a node). Writes are the services'; their refusals come back
as translated messages (422) and nothing is written."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanzhi.accounts.models import RoleAssignment, User
from sanzhi.accounts.roles import Capability
from sanzhi.accounts.scoping import scope_for
from sanzhi.core.errors import DomainError
from sanzhi.core.fields import subtree_q
from sanzhi.deliberation import rules
from sanzhi.deliberation.bodies import body_member_add, body_member_remove
from sanzhi.deliberation.models import Body, BodyMember, Saying, Stage
from sanzhi.deliberation.procedures import procedure_adopt
from sanzhi.deliberation.proposals import saying_accept, saying_answer
from sanzhi.deliberation.selectors import body_list_for, procedure_list_for, saying_list_for
from sanzhi.grids.models import Node
from sanzhi.people.selectors import resident_list_for
from sanzhi.web.forms_deliberation import (
    MemberAddForm,
    ProcedureAdoptForm,
    SayingAcceptForm,
    SayingAnswerForm,
)
from sanzhi.web.views.common import console_view, paginate, require
from sanzhi.web.views.deliberation_matters import proposable_procedures
from sanzhi.web.views.deliberation_support import form_error, is_delib_staff, render_page, stage_rules

MEMBER_CHOICES_LIMIT = 300

# ---------------------------------------------------------------- 村民说事


def _saying_rows(
    user: Any, sayings: list[Saying], bound: dict[int, dict[str, forms.Form]]
) -> list[dict[str, Any]]:
    procedures = [p for p, _node in proposable_procedures(user)]
    rows = []
    for saying in sayings:
        fits = [p for p in procedures if saying.node_path.startswith(p.node_path)]
        handles = saying.status == Saying.Status.NEW and rules.can_propose(user, saying)
        mine = bound.get(saying.pk, {})
        rows.append(
            {
                "saying": saying,
                "answer": (mine.get("answer") or SayingAnswerForm(prefix=f"s{saying.pk}"))
                if handles
                else None,
                "accept": (mine.get("accept") or SayingAcceptForm(procedures=fits, prefix=f"s{saying.pk}"))
                if handles and fits
                else None,
            }
        )
    return rows


def _sayings_page(
    request: HttpRequest, bound: dict[int, dict[str, forms.Form]], status: int = 200
) -> HttpResponse:
    user = request.user
    which = request.GET.get("status", "new")
    which = which if which in Saying.Status.values or which == "all" else "new"
    items = saying_list_for(user=user, status=None if which == "all" else which).order_by(
        "-created_at", "-id"
    )
    page = paginate(request, items, per_page=20)
    shown = {s.pk for s in page.object_list}
    # A form sent for a saying not on this page (handled meanwhile): its errors go on top.
    errors = [
        str(e)
        for pk, sent in bound.items()
        if pk not in shown
        for form in sent.values()
        for es in form.errors.values()
        for e in es
    ]
    context = {
        "page": page,
        "errors": errors,
        "rows": _saying_rows(user, list(page.object_list), bound),
        "which": which,
        "statuses": Saying.Status.choices,
        "querystring": f"status={which}",
        "active": "deliberation",
        "tab": "sayings",
    }
    return render_page(request, "web/deliberation/sayings.html", context, status=status)


@console_view
def sayings(request: HttpRequest) -> HttpResponse:
    require(is_delib_staff(request.user))
    return _sayings_page(request, {})


@require_POST
@console_view
def saying_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    user = request.user
    require(is_delib_staff(user))
    saying = saying_list_for(user=user).filter(pk=pk).first()
    if saying is None or action not in ("answer", "accept"):
        raise Http404
    prefix = f"s{saying.pk}"
    form: forms.Form
    if action == "answer":
        form = SayingAnswerForm(request.POST, prefix=prefix)
    else:
        places = {
            p: node for p, node in proposable_procedures(user) if saying.node_path.startswith(p.node_path)
        }
        fits = list(places)
        form = SayingAcceptForm(request.POST, procedures=fits, prefix=prefix)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if action == "answer":
                saying_answer(actor=user, saying=saying, reply=data["reply"])
                messages.success(request, _("已答复“{title}”").format(title=saying.title))
                return redirect("web:delib_sayings")
            procedure = next(p for p in fits if p.pk == data["procedure"])
            matter = saying_accept(
                actor=user,
                saying=saying,
                procedure=procedure,
                node=places[procedure],
                title=data["title"] or None,
                matter_type=data["matter_type"],
                amount_fen=data["amount"],
                declared_major=data["declared_major"],
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("已立为议题“{title}”").format(title=matter.title))
            return redirect("web:delib_matter", pk=matter.pk)
    return _sayings_page(request, {saying.pk: {action: form}}, status=422)


# ---------------------------------------------------------------- 议事主体


def _people(body: Body, user: Any) -> list[tuple[str, str]]:
    """Who may be added: staff logins holding a role in the body's subtree, and the registry
    residents living there (those the user may see)."""
    members: list[BodyMember] = getattr(body, "active_members", None) or list(
        body.members.filter(active=True)
    )
    taken_users = {m.user_id for m in members if m.user_id}
    taken_residents = {m.resident_id for m in members if m.resident_id}
    user_ids = RoleAssignment.objects.filter(subtree_q("node_path", body.node_path)).values("user_id")
    logins = User.objects.filter(pk__in=user_ids, is_active=True).order_by("username")
    people = [
        (f"u{u.pk}", _("{name}（账号）").format(name=u.display_name or u.username))
        for u in logins[:MEMBER_CHOICES_LIMIT]
        if u.pk not in taken_users
    ]
    residents = resident_list_for(user=user, under=body.node)[:MEMBER_CHOICES_LIMIT]
    people += [
        (f"r{r.pk}", _("{name}（居民，{address}）").format(name=r.name, address=r.household.address))
        for r in residents
        if r.pk not in taken_residents
    ]
    return people


def _bodies_page(request: HttpRequest, bound: dict[int, forms.Form], status: int = 200) -> HttpResponse:
    user = request.user
    bodies = list(
        body_list_for(user=user)
        .filter(active=True)
        .prefetch_related(
            Prefetch("members", queryset=BodyMember.objects.filter(active=True), to_attr="active_members")
        )
        .order_by("node_path", "kind", "id")
    )
    rows = []
    for body in bodies:
        manage = rules.can_manage(user, body)
        rows.append(
            {
                "body": body,
                "manage": manage,
                "form": (
                    bound.get(body.pk) or MemberAddForm(people=_people(body, user), prefix=f"b{body.pk}")
                )
                if manage
                else None,
            }
        )
    context = {"rows": rows, "active": "deliberation", "tab": "bodies"}
    return render_page(request, "web/deliberation/bodies.html", context, status=status)


@console_view
def bodies(request: HttpRequest) -> HttpResponse:
    require(is_delib_staff(request.user))
    return _bodies_page(request, {})


def _managed_body(user: Any, pk: int) -> Body:
    require(is_delib_staff(user))
    body = body_list_for(user=user).filter(pk=pk, active=True).first()
    if body is None:
        raise Http404
    require(rules.can_manage(user, body))
    return body


@require_POST
@console_view
def body_member_new(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    body = _managed_body(user, pk)
    form = MemberAddForm(request.POST, people=_people(body, user), prefix=f"b{body.pk}")
    if form.is_valid():
        data = form.cleaned_data
        person = data["person"]
        login = User.objects.filter(pk=int(person[1:])).first() if person[0] == "u" else None
        resident = (
            resident_list_for(user=user).filter(pk=int(person[1:])).first() if person[0] == "r" else None
        )
        try:
            member = body_member_add(
                actor=user,
                body=body,
                user=login,
                resident=resident,
                title=data["title"],
                is_chair=data["is_chair"],
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("已将{name}加入{body}").format(name=member.name, body=body.name))
            return redirect("web:delib_bodies")
    return _bodies_page(request, {body.pk: form}, status=422)


@require_POST
@console_view
def body_member_end(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    body = _managed_body(user, pk)
    raw = request.POST.get("member", "")
    member = BodyMember.objects.filter(body=body, pk=int(raw)).first() if raw.isdigit() else None
    if member is None:
        raise Http404
    try:
        body_member_remove(actor=user, member=member)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("{name}已不再是{body}成员").format(name=member.name, body=body.name))
    return redirect("web:delib_bodies")


# ---------------------------------------------------------------- 议事规程


def manageable_nodes(user: Any) -> list[Node]:
    """Where the user may adopt a procedure: the nodes where they manage deliberation and the
    administrative nodes (communities, villages) right under them."""
    scope = scope_for(user, Capability.MANAGE_DELIBERATION)
    if scope.empty:
        return []
    if scope.everything:
        return list(Node.objects.filter(grid_level=0).order_by("path")[:MEMBER_CHOICES_LIMIT])
    nodes: list[Node] = []
    for path in scope.paths:
        root = Node.objects.filter(path=path).first()
        if root is None:
            continue
        nodes.append(root)
        nodes += list(
            Node.objects.filter(path__startswith=path, depth=root.depth + 1, grid_level=0).order_by("path")
        )
    return nodes


def _procedures_page(
    request: HttpRequest, form: ProcedureAdoptForm | None, status: int = 200
) -> HttpResponse:
    user = request.user
    procedures = list(
        procedure_list_for(user=user)
        .prefetch_related(Prefetch("stages", queryset=Stage.objects.order_by("order")))
        .order_by("node_path", "id")
    )
    rows = []
    for procedure in procedures:
        stages = list(procedure.stages.all())
        names = {s.code: s.name for s in stages}
        rows.append(
            {
                "procedure": procedure,
                "stages": [{"stage": s, "rules": stage_rules(s, names)} for s in stages],
                "major_yuan": procedure.major_amount_fen // 100
                if procedure.major_amount_fen is not None
                else None,
            }
        )
    nodes = manageable_nodes(user)
    if form is None and nodes:
        form = ProcedureAdoptForm(nodes=nodes)
    context = {"rows": rows, "form": form, "active": "deliberation", "tab": "procedures"}
    return render_page(request, "web/deliberation/procedures.html", context, status=status)


@console_view
def procedures(request: HttpRequest) -> HttpResponse:
    require(is_delib_staff(request.user))
    return _procedures_page(request, None)


@require_POST
@console_view
def procedure_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(is_delib_staff(user))
    nodes = manageable_nodes(user)
    require(bool(nodes))
    form = ProcedureAdoptForm(request.POST, nodes=nodes)
    if form.is_valid():
        data = form.cleaned_data
        node = next(n for n in nodes if n.pk == data["node"])
        try:
            procedure = procedure_adopt(
                actor=user,
                template=data["template"],
                node=node,
                code=data["code"] or None,
                name=data["name"] or None,
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(
                request, _("{node}已采用议事规程“{name}”").format(node=node.name, name=procedure.name)
            )
            return redirect("web:delib_procedures")
    return _procedures_page(request, form, status=422)
