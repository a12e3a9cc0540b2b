"""The handlers' side of demands (诉求): the work queue with its filters, and staff intake
(网格员巡查, 入户走访, 热线电话, 联户长代报)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sanzhi.accounts.roles import Capability
from sanzhi.accounts.scoping import scope_for
from sanzhi.core.errors import Conflict, ValidationFailed
from sanzhi.grids.models import Node
from sanzhi.tickets.intake import ticket_create
from sanzhi.tickets.models import Channel, Ticket
from sanzhi.tickets.selectors import category_list, ticket_list_for
from sanzhi.tickets.states import CLOCK_STATES, OPEN_STATES, Level, State
from sanzhi.web.forms_tickets import CHOICE_LIMIT, LANDING_KINDS, CategoryField, IntakeForm, files_of
from sanzhi.web.views.common import console_view, paginate, render_page_or_fragment, require
from sanzhi.web.views.tickets import is_ticket_staff
from sanzhi.web.views.tickets_support import add_domain_error, bootstrapify, is_late

# (key, label, states): the queue's tabs. 本级超时: the current level's deadline has passed.
TABS: list[tuple[str, Any]] = [
    ("register", gettext_lazy("待立案")),
    ("dispatch", gettext_lazy("待派遣")),
    ("mine", gettext_lazy("我的待办")),
    ("verify", gettext_lazy("待核查")),
    ("overdue", gettext_lazy("本级超时")),
    ("all", gettext_lazy("全部")),
]
MY_WORK = [State.DISPATCHED, State.IN_PROGRESS, State.SUSPENDED]


class QueueFilterForm(forms.Form):
    tab = forms.ChoiceField(choices=TABS, required=False)
    node = forms.ChoiceField(label=gettext_lazy("区域"), required=False)
    state = forms.ChoiceField(
        label=gettext_lazy("状态"), required=False, choices=[("", gettext_lazy("全部状态")), *State.choices]
    )
    level = forms.ChoiceField(
        label=gettext_lazy("层级"), required=False, choices=[("", gettext_lazy("全部层级")), *Level.choices]
    )
    category = CategoryField(label=gettext_lazy("分类"))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scope = scope_for(user, Capability.VIEW_TICKETS)
        nodes: list[Node] = []
        if not scope.empty:
            found = Node.objects.filter(scope.q("path"), kind__in=LANDING_KINDS).order_by("path")
            nodes = list(found[:CHOICE_LIMIT])
        self.nodes = {n.code: n for n in nodes}
        top = min((n.depth for n in nodes), default=0)
        node_field: Any = self.fields["node"]
        indent = "　"
        node_field.choices = [("", _("全部区域"))] + [
            (n.code, f"{indent * (n.depth - top)}{n.name}") for n in nodes
        ]
        category_field = self.fields["category"]
        assert isinstance(category_field, CategoryField)
        category_field.load(category_list())
        loaded: Any = category_field.choices
        category_field.choices = [("", _("全部分类")), *list(loaded)[1:]]
        self.category_field = category_field

    def tickets(self, user: Any) -> tuple[str, QuerySet[Ticket]]:
        data = self.cleaned_data if self.is_valid() else {}
        tab = data.get("tab") or "all"
        states: list[str] | None = [data["state"]] if data.get("state") else None
        if tab == "register":
            states = [State.REPORTED]
        elif tab == "dispatch":
            states = [State.REGISTERED]
        elif tab == "verify":
            states = [State.RESOLVED]
        elif tab == "mine":
            states = [s for s in MY_WORK if not states or s in states] or ["-"]
        tickets = ticket_list_for(
            user=user,
            under=self.nodes.get(data.get("node") or ""),
            states=states,
            level=data.get("level") or "",
            category=self.category_field.category(data.get("category") or ""),
            assigned_to_me=tab == "mine",
        )
        if tab == "overdue":
            tickets = tickets.filter(state__in=sorted(CLOCK_STATES), due_at__lt=timezone.now())
        return tab, tickets


@console_view
def ticket_queue(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(is_ticket_staff(user))
    form = bootstrapify(QueueFilterForm(request.GET or None, user=user))
    tab, tickets = form.tickets(user)
    page = paginate(request, tickets, per_page=30)
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("tab", None)  # the tabs keep the filters, not the tab
    context = {
        "form": form,
        "tab": tab,
        "tabs": TABS,
        "page": page,
        "rows": [{"ticket": t, "late": is_late(t)} for t in page.object_list],
        "filters": query.urlencode(),
        "page_query": _without_page(request),
        "active": "queue",
        "can_intake": not scope_for(user, Capability.REPORT_TICKETS).empty,
        "open_states": OPEN_STATES,
    }
    return render_page_or_fragment(
        request, "web/tickets/queue.html", "web/tickets/partials/queue_results.html", context
    )


def _without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@console_view
def ticket_intake(request: HttpRequest) -> HttpResponse:
    """受理登记 by staff: the ticket lands on the chosen grid, or on the household's micro-grid."""
    user = request.user
    require(not scope_for(user, Capability.REPORT_TICKETS).empty)
    form = bootstrapify(IntakeForm(request.POST or None, request.FILES or None, user=user))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            household = form.chosen_household()
            try:
                ticket = ticket_create(
                    actor=user,
                    channel=data["channel"],
                    text=data["text"],
                    title=data["title"],
                    node=None if household is not None and not data.get("node") else form.chosen_node(),
                    household=household,
                    category=form.chosen_category(),
                    address=data["address"] or (household.address if household is not None else ""),
                    latitude=data["latitude"],
                    longitude=data["longitude"],
                    reporter_name=data["reporter_name"],
                    reporter_phone=data["reporter_phone"],
                    attachments=files_of(form),
                )
            except (ValidationFailed, Conflict) as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, _("已受理，工单编号 {number}。").format(number=ticket.number))
                return redirect("web:ticket_detail", pk=ticket.pk)
        status = 422
    # 联户长 relay for their households; handlers mostly log what they found on patrol.
    relays = form.households and not user.has_perm(Capability.HANDLE_TICKETS)
    initial_channel = Channel.REPRESENTATIVE if relays else Channel.PATROL
    if not form.is_bound:
        form.initial["channel"] = initial_channel
    context = {"form": form, "active": "queue"}
    return render(request, "web/tickets/intake.html", context, status=status)
