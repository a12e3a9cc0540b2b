"""Forms of the demand (诉求) pages. They only shape the request; the services validate the domain.

Choices are built from scoped reads (the user's report scope, the ticket's own ladder), so a
tampered POST fails the choice check before any service is called.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sanzhi.accounts.models import RoleAssignment, User
from sanzhi.accounts.roles import Capability, Role
from sanzhi.accounts.scoping import scope_for
from sanzhi.grids.models import Node, NodeKind
from sanzhi.people.codes import PARTY_MEMBER_STATUSES
from sanzhi.people.models import Household, Resident
from sanzhi.people.selectors import household_list_for
from sanzhi.tickets.inputs import ATTACHMENTS_MAX
from sanzhi.tickets.models import Category, Channel, Department, Rating, Ticket
from sanzhi.tickets.selectors import category_list, ticket_get_for
from sanzhi.tickets.services import Target

PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp", "image/gif")
LANDING_KINDS = (NodeKind.GRID, NodeKind.VILLAGE, NodeKind.TOWNSHIP)
# A select beyond this many options is unusable on a phone; large scopes pick a node first.
CHOICE_LIMIT = 500


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to nine photos (照片), images only — a PDF belongs to the hotline's paperwork, not a report."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget", MultiplePhotoInput(attrs={"accept": "image/*", "data-max-files": ATTACHMENTS_MAX})
        )
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > ATTACHMENTS_MAX:
            raise forms.ValidationError(
                _("最多上传{n}张照片").format(n=ATTACHMENTS_MAX), code="too_many_photos"
            )
        for f in files:
            if (getattr(f, "content_type", "") or "") not in PHOTO_TYPES:
                raise forms.ValidationError(
                    _("{name} 不是照片（支持 JPG、PNG、WebP、GIF）").format(name=f.name), code="not_a_photo"
                )
        return files


def category_choices(categories: Iterable[Category]) -> list[Any]:
    """Leaf categories grouped under their top class (GB/T 30428 大类), top classes without children
    on their own."""
    cats = list(categories)
    parents_with_children = {c.parent_id for c in cats if c.parent_id}
    groups: dict[int, list[tuple[str, str]]] = {}
    tops: list[Category] = []
    for c in cats:
        if c.parent_id is None:
            tops.append(c)
        else:
            groups.setdefault(c.parent_id, []).append((c.code, c.name))
    choices: list[Any] = [("", "——")]
    for top in tops:
        if top.pk in parents_with_children:
            choices.append((top.name, groups.get(top.pk, [])))
        else:
            choices.append((top.code, top.name))
    return choices


class CategoryField(forms.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", gettext_lazy("分类"))
        super().__init__(**kwargs)
        self.by_code: dict[str, Category] = {}

    def load(self, categories: Iterable[Category]) -> None:
        cats = list(categories)
        self.by_code = {c.code: c for c in cats}
        self.choices = category_choices(cats)

    def category(self, code: str) -> Category | None:
        return self.by_code.get(code) if code else None


def _note(label: Any, *, required: bool, max_length: int = 2000, rows: int = 3) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class _LocationFields(forms.Form):
    address = forms.CharField(label=gettext_lazy("地址"), max_length=200, required=False)
    # Filled by the browser's geolocation button; the service checks the range.
    latitude = forms.CharField(required=False, widget=forms.HiddenInput)
    longitude = forms.CharField(required=False, widget=forms.HiddenInput)


class ReportForm(_LocationFields):
    """我要反映: a resident's own report."""

    text = forms.CharField(
        label=gettext_lazy("反映的问题"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    title = forms.CharField(label=gettext_lazy("标题（可不填）"), max_length=120, required=False)
    category = CategoryField()
    photos = PhotosField(label=gettext_lazy("照片（最多9张）"))

    field_order = ["text", "title", "category", "address", "photos", "latitude", "longitude"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.category_field.load(category_list())

    @property
    def category_field(self) -> CategoryField:
        field = self.fields["category"]
        assert isinstance(field, CategoryField)
        return field

    def chosen_category(self) -> Category | None:
        return self.category_field.category(self.cleaned_data.get("category") or "")


STAFF_INTAKE_CHANNELS = [
    (Channel.PATROL.value, Channel.PATROL.label),
    (Channel.VISIT.value, Channel.VISIT.label),
    (Channel.HOTLINE.value, Channel.HOTLINE.label),
    (Channel.REPRESENTATIVE.value, Channel.REPRESENTATIVE.label),
]


def report_nodes_for(user: Any) -> QuerySet[Node]:
    """Where the user may take a report in: grids, communities and streets in their report scope."""
    scope = scope_for(user, Capability.REPORT_TICKETS)
    return Node.objects.filter(scope.q("path"), kind__in=LANDING_KINDS).order_by("path")


def report_households_for(user: Any) -> QuerySet[Household]:
    """The households a representative (or grid worker) may report for (代报)."""
    scope = scope_for(user, Capability.REPORT_TICKETS)
    return household_list_for(user=user).filter(scope.q("node_path"))


class IntakeForm(ReportForm):
    """受理登记: patrol, home visit, hotline, or a representative for one of their households."""

    channel = forms.ChoiceField(
        label=gettext_lazy("来源"), choices=STAFF_INTAKE_CHANNELS, widget=forms.RadioSelect
    )
    node = forms.ChoiceField(label=gettext_lazy("所在网格/社区"), required=False)
    household = forms.ChoiceField(label=gettext_lazy("代报住户"), required=False)
    reporter_name = forms.CharField(label=gettext_lazy("诉求人"), max_length=50, required=False)
    reporter_phone = forms.CharField(label=gettext_lazy("联系电话"), max_length=20, required=False)

    field_order = [
        "channel",
        "household",
        "node",
        "reporter_name",
        "reporter_phone",
        "text",
        "title",
        "category",
        "address",
        "photos",
        "latitude",
        "longitude",
    ]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        nodes = list(report_nodes_for(user)[:CHOICE_LIMIT])
        self.nodes = {n.code: n for n in nodes}
        top = min((n.depth for n in nodes), default=0)
        node_field: Any = self.fields["node"]
        node_field.choices = [("", "——")] + [(n.code, f"{'　' * (n.depth - top)}{n.name}") for n in nodes]
        households = list(report_households_for(user)[:CHOICE_LIMIT])
        self.households = {str(h.pk): h for h in households}
        household_field: Any = self.fields["household"]
        household_field.choices = [("", "——")] + [
            (str(h.pk), f"{h.address}（{h.number}）" if h.number else h.address) for h in households
        ]
        if not households:
            channel_field: Any = self.fields["channel"]
            channel_field.choices = [c for c in STAFF_INTAKE_CHANNELS if c[0] != Channel.REPRESENTATIVE]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("channel") == Channel.REPRESENTATIVE:
            if not data.get("household"):
                self.add_error("household", _("联户长代报需选择所代表的住户"))
        elif not data.get("node") and not data.get("household"):
            self.add_error("node", _("请选择诉求发生的网格或社区"))
        return data

    def chosen_node(self) -> Node | None:
        return self.nodes.get(self.cleaned_data.get("node") or "")

    def chosen_household(self) -> Household | None:
        return self.households.get(self.cleaned_data.get("household") or "")


# ---------------------------------------------------------------- one form per step of the loop


class NoteForm(forms.Form):
    """Steps whose only input is an optional note (接单, 核查结案, 恢复)."""

    note_label: Any = gettext_lazy("说明")
    note_required = False
    note_max = 2000

    def __init__(self, *args: Any, ticket: Ticket, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ticket = ticket
        self.user = user
        self.fields["note"] = _note(self.note_label, required=self.note_required, max_length=self.note_max)


class RequiredNoteForm(NoteForm):
    note_required = True


class ResolveForm(RequiredNoteForm):
    note_label = gettext_lazy("办理结果")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["photos"] = PhotosField(label=gettext_lazy("现场照片（最多9张）"))


class CommentForm(ResolveForm):
    note_label = gettext_lazy("备注")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["photos"].label = gettext_lazy("照片（可不传）")


class RegisterForm(NoteForm):
    def __init__(self, *args: Any, suggested: Category | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = CategoryField(label=gettext_lazy("分类"))
        field.load(category_list())
        current = self.ticket.category or suggested
        field.initial = current.code if current is not None else ""
        self.fields["category"] = field
        self.order_fields(["category", "note"])

    def chosen_category(self) -> Category | None:
        field = self.fields["category"]
        assert isinstance(field, CategoryField)
        return field.category(self.cleaned_data.get("category") or "")


def _ladder_paths(ticket: Ticket) -> list[str]:
    step = Node.steplen
    return [ticket.node_path[:i] for i in range(step, len(ticket.node_path) + 1, step)]


def staff_users_for(ticket: Ticket) -> QuerySet[User]:
    """People who work on the ticket's ladder (above it or below it), as the dispatch service requires."""
    paths = _ladder_paths(ticket)
    user_ids = (
        RoleAssignment.objects.filter(Q(node_path__in=paths) | Q(node_path__startswith=ticket.node_path))
        .exclude(role=Role.RESIDENT)
        .values("user_id")
    )
    return User.objects.filter(pk__in=user_ids, is_active=True).order_by("display_name", "username")


def party_members_for(ticket: Ticket) -> QuerySet[Resident]:
    """党员跑单: party members with an account, living in the ticket's community."""
    area = ticket.community.path if ticket.community is not None else ticket.node_path
    return (
        Resident.objects.filter(
            political_status__in=PARTY_MEMBER_STATUSES,
            user__isnull=False,
            user__is_active=True,
            node_path__startswith=area,
        )
        .select_related("user")
        .order_by("name")
    )


def target_nodes_for(ticket: Ticket) -> QuerySet[Node]:
    return Node.objects.filter(path__in=_ladder_paths(ticket), kind__in=LANDING_KINDS).order_by("path")


def departments_for(ticket: Ticket) -> QuerySet[Department]:
    return Department.objects.filter(active=True, node_path__in=_ladder_paths(ticket)).order_by("name")


def _user_label(user: User) -> str:
    return f"{user.display_name}（{user.username}）" if user.display_name else user.username


class DispatchForm(NoteForm):
    """派遣 (and, without the default, 转办): to a person, an office, a department or a party member."""

    allow_default = True
    TARGETS = [
        ("default", gettext_lazy("本网格网格员（默认）")),
        ("user", gettext_lazy("指定人员")),
        ("node", gettext_lazy("社区/街道")),
        ("department", gettext_lazy("职能部门")),
        ("party", gettext_lazy("党员跑单")),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        targets = [t for t in self.TARGETS if self.allow_default or t[0] != "default"]
        self.fields["target"] = forms.ChoiceField(
            label=gettext_lazy("派往"), choices=targets, widget=forms.RadioSelect, initial=targets[0][0]
        )
        users = list(staff_users_for(self.ticket)[:CHOICE_LIMIT])
        self.users = {str(u.pk): u for u in users}
        self.fields["user"] = forms.ChoiceField(
            label=gettext_lazy("办理人"),
            required=False,
            choices=[("", "——")] + [(str(u.pk), _user_label(u)) for u in users],
        )
        nodes = list(target_nodes_for(self.ticket))
        self.nodes = {n.code: n for n in nodes}
        self.fields["node"] = forms.ChoiceField(
            label=gettext_lazy("派往层级"),
            required=False,
            choices=[("", "——")] + [(n.code, f"{n.name}（{n.get_kind_display()}）") for n in nodes],
        )
        departments = list(departments_for(self.ticket))
        self.departments = {str(d.pk): d for d in departments}
        self.fields["department"] = forms.ChoiceField(
            label=gettext_lazy("部门"),
            required=False,
            choices=[("", "——")] + [(str(d.pk), d.name) for d in departments],
        )
        members = list(party_members_for(self.ticket)[:CHOICE_LIMIT])
        self.party = {str(r.user_id): r.user for r in members}
        self.fields["party_user"] = forms.ChoiceField(
            label=gettext_lazy("跑单党员"),
            required=False,
            choices=[("", "——")] + [(str(r.user_id), r.name) for r in members],
        )
        self.order_fields(["target", "user", "node", "department", "party_user", "note"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("target")
        needs = {"user": "user", "node": "node", "department": "department", "party": "party_user"}
        field = needs.get(kind or "")
        if field and not data.get(field):
            self.add_error(field, _("请选择派往对象"))
        return data

    def target(self) -> Target | None:
        data = self.cleaned_data
        kind = data.get("target")
        if kind == "user":
            return Target(user=self.users[data["user"]])
        if kind == "node":
            return Target(node=self.nodes[data["node"]])
        if kind == "department":
            department = self.departments[data["department"]]
            # A named handler inside the department is optional.
            user = self.users.get(data.get("user") or "")
            return Target(department=department, user=user)
        if kind == "party":
            return Target(user=self.party[data["party_user"]], party_run=True)
        return None


class TransferForm(DispatchForm):
    allow_default = False
    note_label = gettext_lazy("转办理由")
    note_required = True


class VoidForm(RequiredNoteForm):
    note_label = gettext_lazy("作废理由")


class MergeForm(NoteForm):
    into = forms.CharField(
        label=gettext_lazy("并入工单（编号或 ID）"),
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.order_fields(["into", "note"])

    def clean_into(self) -> Ticket:
        raw = (self.cleaned_data.get("into") or "").strip()
        # 工单编号 is the intake date (8 digits) and the id; a bare number is the id.
        digits = raw[8:] if len(raw) >= 14 and raw.isdigit() else raw
        try:
            pk = int(digits)
        except ValueError:
            raise forms.ValidationError(_("请输入工单编号或 ID"), code="invalid") from None
        from sanzhi.core.errors import NotFound

        try:
            return ticket_get_for(user=self.user, pk=pk)
        except NotFound:
            raise forms.ValidationError(_("找不到该工单"), code="not_found") from None


class RateForm(NoteForm):
    rating = forms.ChoiceField(label=gettext_lazy("评价"), choices=Rating.choices, widget=forms.RadioSelect)
    note_label = gettext_lazy("意见建议（可不填）")
    note_max = 500

    def __init__(self, *args: Any, visit: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if visit:
            self.fields["rating"].label = gettext_lazy("回访结果")
            self.fields["note"].label = gettext_lazy("回访记录")
        self.order_fields(["rating", "note"])


def files_of(form: forms.Form, name: str = "photos") -> Sequence[UploadedFile]:
    return form.cleaned_data.get(name) or [] if name in form.fields else []
