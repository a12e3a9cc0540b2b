"""议事规程: adopting a published procedure (templates_data) at a community."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from sanzhi.core.audit import audit_record
from sanzhi.core.errors import Conflict, Forbidden, ValidationFailed
from sanzhi.deliberation import rules
from sanzhi.deliberation.models import Procedure, Stage
from sanzhi.deliberation.templates_data import TEMPLATES, ProcedureSpec
from sanzhi.grids.models import Node


def template_get(key: str) -> ProcedureSpec:
    try:
        return TEMPLATES[key]
    except KeyError:
        raise ValidationFailed(
            _("没有名为 {key} 的议事规程模板，可选：{keys}").format(key=key, keys="、".join(TEMPLATES)),
            code="procedure_template_unknown",
            data={"template": key},
        ) from None


@transaction.atomic
def procedure_adopt(
    *, actor: Any, template: str, node: Node, code: str | None = None, name: str | None = None
) -> Procedure:
    """采用议事规程: the template's stages become this community's procedure, all or nothing."""
    spec = template_get(template)
    # actor None: the installation's operator at the command line.
    if actor is not None and not rules.can_manage(actor, node):
        raise Forbidden(_("无权维护此地的议事规程"), code="forbidden")
    code = (code or spec.key).strip()
    if Procedure.objects.filter(node=node, code=code).exists():
        raise Conflict(
            _("{node}已有编码为 {code} 的议事规程").format(node=node.name, code=code),
            code="procedure_code_taken",
            data={"code": code},
        )
    procedure = Procedure.objects.create(
        node=node,
        node_path=node.path,
        code=code,
        name=(name or spec.name).strip()[:60],
        template=spec.key,
        description=spec.description,
        major_amount_fen=spec.major_amount_fen,
        major_types=list(spec.major_types),
    )
    Stage.objects.bulk_create(
        Stage(
            procedure=procedure,
            order=order,
            code=stage.code,
            name=stage.name,
            kind=stage.kind,
            body_kind=stage.body_kind,
            description=stage.description,
            major_only=stage.major_only,
            quorum_num=stage.quorum[0],
            quorum_den=stage.quorum[1],
            quorum_strict=stage.quorum[2],
            majority_num=stage.majority[0],
            majority_den=stage.majority[1],
            majority_strict=stage.majority[2],
            majority_base=stage.majority_base,
            allows_proxy=stage.allows_proxy,
            secret_ballot=stage.secret_ballot,
            min_days=stage.min_days,
            return_to=stage.return_to,
        )
        for order, stage in enumerate(spec.stages, start=1)
    )
    audit_record(
        actor=actor,
        action="deliberation.procedure_adopt",
        subject=procedure,
        node_path=node.path,
        data={"template": spec.key, "code": code},
    )
    return procedure
