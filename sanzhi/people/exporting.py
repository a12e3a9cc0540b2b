"""户籍人口导出: the household sheet (same columns as the import template) as .xlsx.

ID numbers and phones are written as text cells, never numbers (Excel would drop the last digits of
an ID). They are masked unless the actor may reveal PII at the resident's node AND asked to; each
revealed resident is logged (PiiAccess, channel "export"). Sensitive tags appear only where the
actor holds people.view_sensitive. ``actor=None`` is the CLI operator: everything is visible, full
values only with ``reveal=True``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import xlsxwriter
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from sanzhi.accounts.roles import Capability
from sanzhi.accounts.scoping import Scope, scope_for
from sanzhi.core.audit import audit_record
from sanzhi.core.errors import Forbidden, ValidationFailed
from sanzhi.core.fields import subtree_q
from sanzhi.core.masking import mask_id_number, mask_phone
from sanzhi.grids.models import Node
from sanzhi.people.codes import (
    ETHNICITIES,
    Education,
    MaritalStatus,
    PoliticalStatus,
    Relation,
    ResidenceType,
)
from sanzhi.people.columns import HOUSEHOLD_COLUMNS, Col
from sanzhi.people.models import Resident
from sanzhi.people.normalize import normalize_text
from sanzhi.people.selectors import resident_list_for
from sanzhi.people.services import pii_reveal_log
from sanzhi.people.templates_xlsx import DATA_SHEET, TEXT_COLUMNS

CHUNK = 2_000


def _phone_text(e164: str) -> str:
    return e164[3:] if e164.startswith("+86") else e164


def export_households(*, actor: Any, node: Node, out: Path, reveal: bool = False, reason: str = "") -> int:
    """Write every resident under ``node`` the actor may see; returns the number of residents."""
    everything = Scope(everything=True)
    if actor is None:
        reveal_scope = sensitive_scope = everything
        residents = Resident.objects.filter(subtree_q("node_path", node.path)).order_by(
            "node_path", "household_id", "relation", "id"
        )
    else:
        if not scope_for(actor, Capability.EXPORT_REGISTRY).contains(node.path):
            raise Forbidden(_("您没有在该网格导出户籍人口的权限"), code="export_forbidden")
        reveal_scope = scope_for(actor, Capability.REVEAL_PII)
        sensitive_scope = scope_for(actor, Capability.VIEW_SENSITIVE)
        residents = resident_list_for(user=actor, under=node).order_by(
            "node_path", "household_id", "relation", "id"
        )
    if reveal and not normalize_text(reason) and actor is not None:
        raise ValidationFailed(_("查看完整信息须填写事由"), code="reveal_reason_required")
    residents = residents.select_related("household", "household__node").prefetch_related(
        "tags", "household__tags"
    )
    with translation.override("zh-hans"):
        labels = {
            Col.RELATION: {c.value: str(c.label) for c in Relation},
            Col.POLITICAL: {c.value: str(c.label) for c in PoliticalStatus},
            Col.EDUCATION: {c.value: str(c.label) for c in Education},
            Col.MARITAL: {c.value: str(c.label) for c in MaritalStatus},
            Col.RESIDENCE: {c.value: str(c.label) for c in ResidenceType},
        }
    out = Path(out)
    workbook = xlsxwriter.Workbook(str(out), {"constant_memory": True})
    header = workbook.add_format({"bold": True})
    text = workbook.add_format({"num_format": "@"})
    sheet = workbook.add_worksheet(DATA_SHEET)
    text_cols = {i for i, c in enumerate(HOUSEHOLD_COLUMNS) if c in TEXT_COLUMNS}
    for i in range(len(HOUSEHOLD_COLUMNS)):
        sheet.set_column(i, i, 22 if i in text_cols else 14, text if i in text_cols else None)
    sheet.write_row(0, 0, HOUSEHOLD_COLUMNS, header)
    count = revealed_count = 0
    revealed: list[Resident] = []
    try:
        with transaction.atomic():
            for count, r in enumerate(residents.iterator(chunk_size=CHUNK), start=1):
                h = r.household
                show = reveal and reveal_scope.contains(r.node_path)
                sensitive_ok = sensitive_scope.contains(r.node_path)
                values = {
                    Col.NUMBER: h.number or "",
                    Col.NODE: h.node.code,
                    Col.ADDRESS: h.address,
                    Col.RELATION: labels[Col.RELATION].get(r.relation, r.relation),
                    Col.NAME: r.name,
                    Col.ID_NUMBER: r.id_number if show else mask_id_number(r.id_number),
                    Col.PHONE: _phone_text(r.phone) if show else mask_phone(r.phone),
                    Col.ETHNICITY: ETHNICITIES.get(r.ethnicity, r.ethnicity),
                    Col.POLITICAL: labels[Col.POLITICAL].get(r.political_status, r.political_status),
                    Col.EDUCATION: labels[Col.EDUCATION].get(r.education, ""),
                    Col.MARITAL: labels[Col.MARITAL].get(r.marital_status, ""),
                    Col.OCCUPATION: r.occupation,
                    Col.RESIDENCE: labels[Col.RESIDENCE].get(r.residence_type, r.residence_type),
                    Col.REGISTERED_ADDRESS: r.registered_address,
                    Col.HOUSEHOLD_TAGS: "、".join(
                        t.name for t in h.tags.all() if sensitive_ok or not t.sensitive
                    ),
                    Col.RESIDENT_TAGS: "、".join(
                        t.name for t in r.tags.all() if sensitive_ok or not t.sensitive
                    ),
                }
                for i, name in enumerate(HOUSEHOLD_COLUMNS):
                    # write_string always: a text cell, whatever the value looks like.
                    sheet.write_string(count, i, values[name])
                if show:
                    revealed_count += 1
                    if actor is not None:
                        revealed.append(r)
                        if len(revealed) >= CHUNK:
                            pii_reveal_log(actor=actor, residents=revealed, reason=reason, channel="export")
                            revealed = []
            if revealed:
                pii_reveal_log(actor=actor, residents=revealed, reason=reason, channel="export")
            audit_record(
                actor=actor,
                action="household.export",
                subject_type="people.household",
                node_path=node.path,
                data={"residents": count, "revealed": revealed_count, "reason": normalize_text(reason)},
            )
    except BaseException:
        workbook.close()
        out.unlink(missing_ok=True)  # never leave half an export behind
        raise
    workbook.close()
    return count
