"""户籍人口导入: households and residents from .xlsx / .csv, one row per resident.

Grouping: rows with the same 户编号 form one household. A household without a 户编号 is keyed by
its head's ID number: the head's own row (与户主关系 = 户主) and the rows that give that number in the
optional column 户主身份证号. The rows of one household must be adjacent (as every register export
lays them out); this keeps a million-row import in one streaming pass with flat memory.

All-or-nothing by default: one transaction; if any row is invalid everything is rolled back and the
report lists every problem. ``partial=True`` writes the valid households; a household with any bad
row is rejected whole and each of its rows is reported.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from sanzhi.accounts.roles import Capability
from sanzhi.accounts.scoping import Scope, scope_for
from sanzhi.core.audit import audit_record
from sanzhi.core.errors import Conflict, Forbidden
from sanzhi.core.masking import mask_id_number
from sanzhi.core.tabular import read_table
from sanzhi.grids.models import Node, NodeKind
from sanzhi.people.bulk import RegistryWriter
from sanzhi.people.columns import OPTIONAL_COLUMNS, REQUIRED_COLUMNS, Col
from sanzhi.people.importing_rows import CleanRow, RowError, RowValidator
from sanzhi.people.models import Household, Resident
from sanzhi.people.normalize import normalize_id_number, normalize_text
from sanzhi.people.services import household_node_allowed

MAX_REPORTED = 10_000  # problems kept in the report; the counts stay exact beyond it
CHUNK_ROWS = 5_000  # rows checked against the registry per round trip
_HOLDING_KINDS = (NodeKind.VILLAGE, NodeKind.GRID)


@dataclass
class ImportReport:
    file: str
    partial: bool
    rows_read: int = 0
    households_imported: int = 0
    residents_imported: int = 0
    rows_rejected: int = 0
    committed: bool = False
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    errors_omitted: int = 0
    warnings_omitted: int = 0

    @property
    def ok(self) -> bool:
        return self.rows_rejected == 0

    def as_dict(self, lang: str = "zh-hans") -> dict[str, Any]:
        with translation.override(lang):
            return {
                "file": self.file,
                "partial": self.partial,
                "committed": self.committed,
                "rows_read": self.rows_read,
                "households_imported": self.households_imported,
                "residents_imported": self.residents_imported,
                "rows_rejected": self.rows_rejected,
                "errors": [e.as_dict() for e in self.errors],
                "errors_omitted": self.errors_omitted,
                "warnings": [w.as_dict() for w in self.warnings],
                "warnings_omitted": self.warnings_omitted,
            }


class _Household:
    __slots__ = (
        "address",
        "bad_rows",
        "first_row",
        "key",
        "label",
        "members",
        "node_code",
        "number",
        "rows",
        "tags",
    )

    def __init__(self, key: str, label: str, first_row: int) -> None:
        self.key = key
        self.label = label
        self.first_row = first_row
        self.number: str | None = None
        self.node_code: str | None = None
        self.address: str | None = None
        self.tags: tuple[int, ...] | None = None
        self.members: list[CleanRow] = []
        self.rows: list[int] = []
        self.bad_rows: set[int] = set()


class _Nodes:
    """Which node a 网格编码 names, for this actor and this ``into``; answers cached per code."""

    def __init__(self, *, actor: Any, into: Node | None) -> None:
        self.into = into
        self.scope: Scope | None = None if actor is None else scope_for(actor, Capability.IMPORT_REGISTRY)
        qs = Node.objects.filter(kind__in=_HOLDING_KINDS)
        if into is not None:
            qs = qs.filter(path__startswith=into.path)
        self.known: dict[str, tuple[int, str]] = {
            code: (pk, path) for code, pk, path in qs.values_list("code", "id", "path")
        }
        self.answers: dict[str, tuple[int, str] | tuple[str, dict[str, str]]] = {}

    def resolve(self, code: str) -> tuple[int, str] | tuple[str, dict[str, str]]:
        answer = self.answers.get(code)
        if answer is None:
            answer = self.answers[code] = self._resolve(code)
        return answer

    def _resolve(self, code: str) -> tuple[int, str] | tuple[str, dict[str, str]]:
        found = self.known.get(code)
        if found is None:
            node = Node.objects.filter(code=code).only("id", "path", "kind").first()
            if node is None or (self.scope is not None and not self.scope.contains(node.path)):
                # Out of scope looks like absent: an import must not disclose the tree.
                return "node_not_found", {"code": code}
            if self.into is not None and not node.path.startswith(self.into.path):
                return "node_outside", {"code": code, "into": self.into.code}
            if not household_node_allowed(node):
                return "node_cannot_hold", {"code": code}
            found = (node.pk, node.path)
        if self.scope is not None and not self.scope.contains(found[1]):
            return "node_not_found", {"code": code}
        return found


class _Rollback(Exception):
    pass


class _Importer:
    def __init__(self, *, actor: Any, into: Node | None, partial: bool, report: ImportReport) -> None:
        self.actor = actor
        self.into = into
        self.partial = partial
        self.report = report
        self.validator = RowValidator()
        self.nodes = _Nodes(actor=actor, into=into)
        self.failed = False
        self.current: _Household | None = None
        self.closed: dict[str, int] = {}  # key -> first row of households already closed
        self.first_row_of_id: dict[int, int] = {}
        self.pending: list[_Household] = []
        self.pending_rows = 0
        self.writer = RegistryWriter()
        self.check_ids = Resident.objects.exists()
        self.check_numbers = Household.objects.filter(number__isnull=False).exists()
        self.chunk = min(int(connection.features.max_query_params or 900), CHUNK_ROWS)

    # -- reporting ------------------------------------------------------------------------------
    def problem(self, error: RowError) -> None:
        report = self.report
        if error.level == "warning":
            if len(report.warnings) < MAX_REPORTED:
                report.warnings.append(error)
            else:
                report.warnings_omitted += 1
            return
        self.failed = True
        if len(report.errors) < MAX_REPORTED:
            report.errors.append(error)
        else:
            report.errors_omitted += 1

    def fail_household(
        self, h: _Household, at_row: int, at_column: str, code: str, params: dict[str, Any] | None = None
    ) -> None:
        self.problem(RowError(at_row, at_column, code, params or {}))
        h.bad_rows.add(at_row)

    # -- the pass -------------------------------------------------------------------------------
    def feed(self, number: int, values: dict[str, Any]) -> None:
        self.report.rows_read += 1
        row_errors: list[RowError] = []
        clean = self.validator.validate(number, values, row_errors)
        for error in row_errors:
            self.problem(error)
        key, label = self._key(values, clean)
        if key is None:
            if clean is not None:
                self.problem(RowError(number, Col.NUMBER, "household_key_required"))
            self.report.rows_rejected += 1
            return
        h = self.current
        if h is None or h.key != key:
            if key in self.closed:
                first = self.closed[key]
                self.problem(
                    RowError(number, Col.NUMBER, "household_not_adjacent", {"key": label, "row": first})
                )
                self.report.rows_rejected += 1
                return
            if h is not None:
                self.close(h)
            h = self.current = _Household(key, label, number)
        h.rows.append(number)
        if clean is None:
            h.bad_rows.add(number)
            return
        self._merge(h, clean)

    def _key(self, values: dict[str, Any], clean: CleanRow | None) -> tuple[str | None, str]:
        if clean is not None:
            number, head_id = clean.household_number, clean.head_id
            own_id = clean.resident["id_number"] if clean.resident["relation"] == "02" else None
        else:
            raw_number = values.get(Col.NUMBER)
            number = normalize_text(str(raw_number)) if raw_number is not None else None
            raw_head = values.get(Col.HEAD_ID)
            head_id = normalize_id_number(raw_head) if isinstance(raw_head, str) else None
            raw_id, relation = values.get(Col.ID_NUMBER), values.get(Col.RELATION)
            is_head = relation in ("户主", "02")
            own_id = normalize_id_number(raw_id) if is_head and isinstance(raw_id, str) else None
        if number:
            return "#" + number, number
        head = head_id or own_id
        if head:
            return "@" + head, mask_id_number(head)
        return None, ""

    def _merge(self, h: _Household, row: CleanRow) -> None:
        first = h.members[0].number if h.members else h.first_row
        fields = (
            ("number", row.household_number, Col.NUMBER),
            ("node_code", row.node_code, Col.NODE),
            ("address", row.address, Col.ADDRESS),
        )
        for attr, given, column in fields:
            if given is None:
                continue
            held = getattr(h, attr)
            if held is None:
                setattr(h, attr, given)
            elif held != given:
                self.fail_household(
                    h, row.number, column, "household_conflict", {"column": column, "row": first}
                )
        if row.household_tag_ids is not None:
            if h.tags is None:
                h.tags = row.household_tag_ids
            elif h.tags != row.household_tag_ids:
                column = Col.HOUSEHOLD_TAGS
                self.fail_household(
                    h, row.number, column, "household_conflict", {"column": column, "row": first}
                )
        earlier = self.first_row_of_id.get(row.id_key)
        if earlier is not None:
            self.fail_household(h, row.number, Col.ID_NUMBER, "id_duplicate_in_file", {"row": earlier})
        else:
            self.first_row_of_id[row.id_key] = row.number
        h.members.append(row)

    def close(self, h: _Household) -> None:
        self.closed[h.key] = h.first_row
        if not h.bad_rows:
            heads = sum(1 for m in h.members if m.resident["relation"] == "02")
            if heads == 0:
                self.fail_household(h, h.first_row, Col.RELATION, "household_no_head", {"key": h.label})
            elif heads > 1:
                self.fail_household(
                    h, h.first_row, Col.RELATION, "household_many_heads", {"key": h.label, "n": heads}
                )
            if h.address is None:
                self.fail_household(h, h.first_row, Col.ADDRESS, "required", {"column": Col.ADDRESS})
            self._node(h)
        self.pending.append(h)
        self.pending_rows += len(h.rows)
        if self.pending_rows >= self.chunk:
            self.drain()

    def _node(self, h: _Household) -> None:
        if h.node_code is None:
            if self.into is not None and household_node_allowed(self.into):
                h.node_code = self.into.code
            else:
                self.fail_household(h, h.first_row, Col.NODE, "node_required")
                return
        answer = self.nodes.resolve(h.node_code)
        if isinstance(answer[0], str):
            code, params = answer
            assert isinstance(params, dict)
            self.fail_household(h, h.first_row, Col.NODE, code, params)

    def drain(self) -> None:
        pending, self.pending, self.pending_rows = self.pending, [], 0
        self._check_registry(pending)
        for h in pending:
            if h.bad_rows:
                self._reject(h)
            else:
                self._accept(h)

    def _check_registry(self, pending: list[_Household]) -> None:
        good = [h for h in pending if not h.bad_rows]
        if self.check_ids:
            by_id = {m.resident["id_number"]: (h, m.number) for h in good for m in h.members}
            ids = list(by_id)
            for i in range(0, len(ids), self.chunk):
                taken_ids = Resident.objects.filter(id_number__in=ids[i : i + self.chunk])
                for id_number in taken_ids.values_list("id_number", flat=True):
                    h, row = by_id[id_number]
                    masked = mask_id_number(id_number)
                    self.fail_household(h, row, Col.ID_NUMBER, "id_taken", {"masked": masked})
        if self.check_numbers:
            by_number = {h.number: h for h in good if h.number}
            numbers = list(by_number)
            for i in range(0, len(numbers), self.chunk):
                taken_numbers = Household.objects.filter(number__in=numbers[i : i + self.chunk])
                for number in taken_numbers.values_list("number", flat=True):
                    h = by_number[str(number)]
                    self.fail_household(
                        h, h.first_row, Col.NUMBER, "household_number_taken", {"number": number}
                    )

    def _reject(self, h: _Household) -> None:
        if not self.partial:
            self.report.rows_rejected += len(h.bad_rows)
            return
        self.report.rows_rejected += len(h.rows)
        rows = "、".join(str(r) for r in sorted(h.bad_rows))
        for r in h.rows:
            if r not in h.bad_rows:
                self.problem(RowError(r, "", "household_rejected", {"rows": rows}))

    def _accept(self, h: _Household) -> None:
        self.report.households_imported += 1
        self.report.residents_imported += len(h.members)
        if self.failed and not self.partial:
            return  # the file is rejected anyway: keep validating, stop writing
        answer = self.nodes.resolve(h.node_code or "")
        node_id, path = answer
        assert isinstance(node_id, int) and isinstance(path, str)
        writer = self.writer
        hid = writer.add_household(
            node_id=node_id, node_path=path, address=h.address or "", number=h.number, tag_ids=h.tags or ()
        )
        for m in h.members:
            writer.add_resident(household_id=hid, node_path=path, node_id=node_id, **m.resident)

    def finish(self) -> None:
        if self.current is not None:
            self.close(self.current)
            self.current = None
        self.drain()
        # Household checks run when a household closes, after later rows were read: show by row.
        self.report.errors.sort(key=lambda e: e.row)
        self.report.warnings.sort(key=lambda e: e.row)
        try:
            self.writer.flush()
        except IntegrityError:
            raise Conflict(
                _("导入时与其他人同时写入的数据冲突（身份证号或户编号重复），请重新导入"),
                code="import_conflict",
            ) from None


def _check_actor(actor: Any, into: Node | None) -> None:
    if actor is None:
        return
    scope = scope_for(actor, Capability.IMPORT_REGISTRY)
    if scope.empty or (
        into is not None
        and not scope.contains(into.path)
        and not any(p.startswith(into.path) for p in scope.paths)
    ):
        raise Forbidden(_("您没有在该网格导入户籍人口的权限"), code="import_forbidden")


def import_households(*, actor: Any, path: Path, into: Node | None, partial: bool = False) -> ImportReport:
    """Import the sheet at ``path``; ``actor=None`` is the CLI operator (unrestricted)."""
    _check_actor(actor, into)
    required = list(REQUIRED_COLUMNS)
    optional = list(OPTIONAL_COLUMNS)
    if into is not None and household_node_allowed(into):
        optional.append(Col.NODE)
    else:
        required.append(Col.NODE)
    table = read_table(Path(path), required=required, optional=optional)
    report = ImportReport(file=Path(path).name, partial=partial)
    # Millions of short-lived row objects would trigger the cyclic GC thousands of times for
    # nothing (rows hold no cycles; reference counting frees them): collect rarely during the pass.
    thresholds = gc.get_threshold()
    gc.set_threshold(200_000, 50, 50)
    try:
        with transaction.atomic():
            importer = _Importer(actor=actor, into=into, partial=partial, report=report)
            for row in table:
                importer.feed(row.number, row.values)
            importer.finish()
            if importer.failed and not partial:
                raise _Rollback
            report.committed = True
            _audit(actor, into, report)
    except _Rollback:
        report.households_imported = report.residents_imported = 0
        with transaction.atomic():
            _audit(actor, into, report)
    finally:
        gc.set_threshold(*thresholds)
        table.close()
    return report


def _audit(actor: Any, into: Node | None, report: ImportReport) -> None:
    audit_record(
        actor=actor,
        action="household.import" if report.committed else "household.import_rejected",
        subject_type="people.household",
        node_path=into.path if into is not None else "",
        data={
            "file": report.file,
            "partial": report.partial,
            "rows_read": report.rows_read,
            "households_imported": report.households_imported,
            "residents_imported": report.residents_imported,
            "rows_rejected": report.rows_rejected,
        },
    )
