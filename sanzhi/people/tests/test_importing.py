"""Household import: happy paths per format and encoding, each error kind, modes, scope."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from django.db.models import Sum

from sanzhi.core.errors import Forbidden, ValidationFailed
from sanzhi.core.models import AuditEvent
from sanzhi.core.tabular import TabularError
from sanzhi.core.testing import Town
from sanzhi.grids.models import Node
from sanzhi.people.columns import HOUSEHOLD_COLUMNS, Col
from sanzhi.people.idnumber import check_character, make_id_number
from sanzhi.people.importing import import_households
from sanzhi.people.models import Household, Resident

MICRO = "511923100201001001"
BAD_DATE = "51190219851315123" + check_character("51190219851315123")
MICRO2 = "511923100201001002"
OTHER_MICRO = "511923100202001001"


def pid(n: int, born: dt.date = dt.date(1985, 6, 15)) -> str:
    return make_id_number("511902", born, n)


def row(**kw: Any) -> dict[str, Any]:
    base = {Col.RELATION: "户主", Col.NAME: "张三", Col.ID_NUMBER: pid(1)}
    base.update(kw)
    return base


def good_rows() -> list[dict[str, Any]]:
    return [
        row(
            **{
                Col.NUMBER: "N001",
                Col.NODE: MICRO,
                Col.ADDRESS: "创举社区3号楼101",
                Col.ID_NUMBER: pid(1),
                Col.PHONE: "138 0013 8000",
                Col.HOUSEHOLD_TAGS: "低保户",
                Col.POLITICAL: "中共党员",
            }
        ),
        row(
            **{
                Col.NUMBER: "N001",
                Col.RELATION: "配偶",
                Col.NAME: "李四",
                Col.ID_NUMBER: pid(2),
                Col.RESIDENT_TAGS: "残疾人、退役军人",
                Col.ETHNICITY: "回",
            }
        ),
        row(
            **{
                Col.NUMBER: "N001",
                Col.RELATION: "子",
                Col.NAME: "张小",
                Col.ID_NUMBER: pid(3, dt.date(2012, 1, 1)),
            }
        ),
        row(
            **{
                Col.NUMBER: "N002",
                Col.NODE: MICRO2,
                Col.ADDRESS: "创举社区4号楼202",
                Col.NAME: "王五",
                Col.ID_NUMBER: pid(4).lower().replace("x", "x"),
            }
        ),
    ]


def write_csv(
    path: Path,
    rows: list[dict[str, Any]],
    encoding: str = "utf-8",
    columns: tuple[str, ...] = HOUSEHOLD_COLUMNS,
) -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(columns)
        for r in rows:
            w.writerow([r.get(c, "") for c in columns])
    return path


def write_xlsx(path: Path, rows: list[dict[str, Any]], columns: tuple[str, ...] = HOUSEHOLD_COLUMNS) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    ws.write_row(0, 0, columns)
    for i, r in enumerate(rows, start=1):
        for j, c in enumerate(columns):
            value = r.get(c)
            if value is None:
                continue
            if isinstance(value, (int, float)):
                ws.write_number(i, j, value)
            else:
                ws.write_string(i, j, value)
    wb.close()
    return path


def counts() -> tuple[int, int, int, int]:
    totals = Node.objects.aggregate(h=Sum("households_direct"), r=Sum("residents_direct"))
    return Household.objects.count(), Resident.objects.count(), totals["h"], totals["r"]


def codes(report: Any) -> list[tuple[int, str, str]]:
    return [(e.row, e.column, e.code) for e in report.errors]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_happy_path(town: Town, tmp_path: Path, encoding: str) -> None:
    before = counts()
    report = import_households(
        actor=None, path=write_csv(tmp_path / "a.csv", good_rows(), encoding), into=None
    )
    assert report.errors == [] and report.committed
    assert (
        report.rows_read,
        report.households_imported,
        report.residents_imported,
        report.rows_rejected,
    ) == (4, 2, 4, 0)
    assert counts() == (before[0] + 2, before[1] + 4, before[2] + 2, before[3] + 4)
    h = Household.objects.get(number="N001")
    assert h.node.code == MICRO and h.address == "创举社区3号楼101"
    assert [t.name for t in h.tags.all()] == ["低保户"]
    head = Resident.objects.get(id_number=pid(1))
    assert head.phone == "+8613800138000" and head.political_status == "01" and head.relation == "02"
    wife = Resident.objects.get(id_number=pid(2))
    assert wife.ethnicity == "03" and {t.name for t in wife.tags.all()} == {"退役军人", "残疾人"}
    assert Resident.objects.get(id_number=pid(3, dt.date(2012, 1, 1))).birth_date == dt.date(2012, 1, 1)
    assert Node.objects.get(code=MICRO).residents_direct == 2 + 3
    event = AuditEvent.objects.get(action="household.import")
    assert event.data["residents_imported"] == 4


def test_xlsx_happy_path(town: Town, tmp_path: Path) -> None:
    report = import_households(actor=None, path=write_xlsx(tmp_path / "a.xlsx", good_rows()), into=None)
    assert report.errors == [] and report.residents_imported == 4
    assert Household.objects.get(number="N002").members.get().name == "王五"


def test_excel_numeric_id_is_rejected_with_reason(town: Town, tmp_path: Path) -> None:
    rows = good_rows()
    rows[1][Col.ID_NUMBER] = float(pid(2)[:17] + "0") if pid(2)[-1] == "X" else float(pid(2))
    before = counts()
    report = import_households(actor=None, path=write_xlsx(tmp_path / "n.xlsx", rows), into=None)
    assert codes(report) == [(3, Col.ID_NUMBER, "id_number_is_number")]
    assert "数字" in report.errors[0].message and "文本" in report.errors[0].message
    assert not report.committed and report.residents_imported == 0 and report.rows_rejected == 1
    assert counts() == before  # all-or-nothing


def test_each_row_error_has_row_column_and_message(town: Town, tmp_path: Path) -> None:
    bad_checksum = pid(7)[:17] + ("0" if pid(7)[-1] != "0" else "1")
    rows = [
        row(**{Col.NUMBER: "E1", Col.NODE: MICRO, Col.ADDRESS: "甲", Col.ID_NUMBER: bad_checksum}),
        row(**{Col.NUMBER: "E2", Col.NODE: MICRO, Col.ADDRESS: "乙", Col.ID_NUMBER: BAD_DATE}),
        row(**{Col.NUMBER: "E3", Col.NODE: MICRO, Col.ADDRESS: "丙", Col.ID_NUMBER: "511902850615123"}),
        row(
            **{
                Col.NUMBER: "E4",
                Col.NODE: MICRO,
                Col.ADDRESS: "丁",
                Col.ID_NUMBER: pid(8),
                Col.PHONE: "12345",
            }
        ),
        row(
            **{
                Col.NUMBER: "E5",
                Col.NODE: MICRO,
                Col.ADDRESS: "戊",
                Col.ID_NUMBER: pid(9),
                Col.RELATION: "邻居",
            }
        ),
        row(**{Col.NUMBER: "E6", Col.NODE: "511923100201009009", Col.ADDRESS: "己", Col.ID_NUMBER: pid(10)}),
        row(**{Col.NUMBER: "E7", Col.NODE: MICRO, Col.ID_NUMBER: pid(11)}),
        row(**{Col.NUMBER: "E8", Col.NODE: MICRO, Col.ADDRESS: "庚", Col.ID_NUMBER: pid(12), Col.NAME: ""}),
        row(
            **{
                Col.NUMBER: "E9",
                Col.NODE: MICRO,
                Col.ADDRESS: "辛",
                Col.ID_NUMBER: pid(13),
                Col.RESIDENT_TAGS: "不存在的标签",
            }
        ),
        row(**{Col.NUMBER: "E10", Col.NODE: "511923100000", Col.ADDRESS: "壬", Col.ID_NUMBER: pid(14)}),
        row(
            **{
                Col.NUMBER: "E11",
                Col.NODE: MICRO,
                Col.ADDRESS: "癸",
                Col.ID_NUMBER: pid(15),
                Col.RELATION: "子",
            }
        ),
        row(**{Col.NUMBER: "H0001", Col.NODE: MICRO, Col.ADDRESS: "旧户", Col.ID_NUMBER: pid(16)}),
    ]
    report = import_households(actor=None, path=write_csv(tmp_path / "e.csv", rows), into=None)
    assert codes(report) == [
        (2, Col.ID_NUMBER, "id_checksum"),
        (3, Col.ID_NUMBER, "id_birth_date"),
        (4, Col.ID_NUMBER, "id_legacy_15"),
        (5, Col.PHONE, "phone_invalid"),
        (6, Col.RELATION, "bad_code"),
        (7, Col.NODE, "node_not_found"),
        (8, Col.ADDRESS, "required"),
        (9, Col.NAME, "required"),
        (10, Col.RESIDENT_TAGS, "unknown_tag"),
        (11, Col.NODE, "node_cannot_hold"),
        (12, Col.RELATION, "household_no_head"),
        (13, Col.NUMBER, "household_number_taken"),
    ]
    assert report.rows_rejected == 12 and report.rows_read == 12
    for e in report.errors:
        assert e.message and "{" not in e.message
    assert "末位应为" in report.errors[0].message


def test_messages_render_in_both_languages(town: Town, tmp_path: Path) -> None:
    rows = [row(**{Col.NUMBER: "L1", Col.NODE: MICRO, Col.ADDRESS: "甲", Col.ID_NUMBER: "123"})]
    report = import_households(actor=None, path=write_csv(tmp_path / "l.csv", rows), into=None)
    zh = report.as_dict(lang="zh-hans")
    en = report.as_dict(lang="en")
    assert zh["errors"][0]["message"] == "身份证号应为 18 位，实际为 3 位"
    assert isinstance(en["errors"][0]["message"], str) and en["errors"][0]["code"] == "id_length"
    assert en["rows_rejected"] == 1


def test_unknown_region_is_only_a_warning(town: Town, tmp_path: Path) -> None:
    odd = make_id_number("119999", dt.date(1990, 1, 1), 5)
    rows = [row(**{Col.NUMBER: "W1", Col.NODE: MICRO, Col.ADDRESS: "甲", Col.ID_NUMBER: odd})]
    report = import_households(actor=None, path=write_csv(tmp_path / "w.csv", rows), into=None)
    assert report.committed and report.residents_imported == 1
    assert [(w.row, w.code, w.level) for w in report.warnings] == [(2, "id_region_unknown", "warning")]


def test_duplicate_ids_in_file_and_against_registry(town: Town, tmp_path: Path) -> None:
    existing = town.residents["wang"].id_number
    rows = [
        row(**{Col.NUMBER: "D1", Col.NODE: MICRO, Col.ADDRESS: "甲", Col.ID_NUMBER: pid(1)}),
        row(**{Col.NUMBER: "D1", Col.RELATION: "子", Col.ID_NUMBER: pid(1).lower()}),
        row(**{Col.NUMBER: "D2", Col.NODE: MICRO, Col.ADDRESS: "乙", Col.ID_NUMBER: existing}),
    ]
    before = counts()
    report = import_households(actor=None, path=write_csv(tmp_path / "d.csv", rows), into=None)
    assert codes(report) == [(3, Col.ID_NUMBER, "id_duplicate_in_file"), (4, Col.ID_NUMBER, "id_taken")]
    assert "第 2 行" in report.errors[0].message
    assert existing not in report.errors[1].message  # masked
    assert counts() == before


def test_partial_writes_only_good_households_and_reports_every_row(town: Town, tmp_path: Path) -> None:
    rows = good_rows()
    rows[2][Col.ID_NUMBER] = "not-an-id"  # third member of N001
    before = counts()
    report = import_households(actor=None, path=write_csv(tmp_path / "p.csv", rows), into=None, partial=True)
    assert report.committed
    assert (report.households_imported, report.residents_imported, report.rows_rejected) == (1, 1, 3)
    assert sorted((e.row, e.code) for e in report.errors) == [
        (2, "household_rejected"),
        (3, "household_rejected"),
        (4, "id_length"),
    ]
    assert counts() == (before[0] + 1, before[1] + 1, before[2] + 1, before[3] + 1)
    assert not Household.objects.filter(number="N001").exists()
    assert Household.objects.filter(number="N002").exists()


def test_grouping_by_head_id_and_non_adjacent_rows(town: Town, tmp_path: Path) -> None:
    rows = [
        row(**{Col.NODE: MICRO, Col.ADDRESS: "甲", Col.ID_NUMBER: pid(1)}),
        row(**{Col.RELATION: "子", Col.NAME: "儿子", Col.ID_NUMBER: pid(2), Col.HEAD_ID: pid(1)}),
        row(**{Col.NODE: MICRO, Col.ADDRESS: "乙", Col.ID_NUMBER: pid(3)}),
    ]
    cols = (*HOUSEHOLD_COLUMNS, Col.HEAD_ID)
    report = import_households(actor=None, path=write_csv(tmp_path / "g.csv", rows, columns=cols), into=None)
    assert report.errors == [] and report.households_imported == 2
    assert (
        Resident.objects.get(id_number=pid(2)).household == Resident.objects.get(id_number=pid(1)).household
    )

    rows = [
        row(**{Col.NUMBER: "A", Col.NODE: MICRO, Col.ADDRESS: "甲", Col.ID_NUMBER: pid(11)}),
        row(**{Col.NUMBER: "B", Col.NODE: MICRO, Col.ADDRESS: "乙", Col.ID_NUMBER: pid(12)}),
        row(**{Col.NUMBER: "A", Col.RELATION: "子", Col.ID_NUMBER: pid(13)}),
        row(**{Col.RELATION: "子", Col.ID_NUMBER: pid(14)}),
    ]
    report = import_households(actor=None, path=write_csv(tmp_path / "h.csv", rows), into=None)
    assert codes(report) == [
        (4, Col.NUMBER, "household_not_adjacent"),
        (5, Col.NUMBER, "household_key_required"),
    ]


def test_into_fills_the_node_and_limits_the_scope(town: Town, tmp_path: Path) -> None:
    rows = [row(**{Col.NUMBER: "I1", Col.ADDRESS: "甲", Col.ID_NUMBER: pid(1)})]
    cols = tuple(c for c in HOUSEHOLD_COLUMNS if c != Col.NODE)
    report = import_households(
        actor=None, path=write_csv(tmp_path / "i.csv", rows, columns=cols), into=town.micro
    )
    assert report.committed and Household.objects.get(number="I1").node == town.micro
    with pytest.raises(TabularError) as caught:  # a township cannot hold households: 网格编码 needed
        import_households(
            actor=None, path=write_csv(tmp_path / "j.csv", rows, columns=cols), into=town.township
        )
    assert caught.value.data["missing"] == [Col.NODE]
    rows = [row(**{Col.NUMBER: "I2", Col.NODE: OTHER_MICRO, Col.ADDRESS: "甲", Col.ID_NUMBER: pid(2)})]
    report = import_households(actor=None, path=write_csv(tmp_path / "k.csv", rows), into=town.village)
    assert codes(report) == [(2, Col.NODE, "node_outside")]


def test_scope_grid_chief_of_another_village(town: Town, tmp_path: Path) -> None:
    rows = [row(**{Col.NUMBER: "S1", Col.NODE: MICRO, Col.ADDRESS: "甲", Col.ID_NUMBER: pid(1)})]
    path = write_csv(tmp_path / "s.csv", rows)
    with pytest.raises(Forbidden):
        import_households(actor=town.outsider, path=path, into=town.village)
    report = import_households(actor=town.outsider, path=path, into=None)
    assert codes(report) == [(2, Col.NODE, "node_not_found")]
    with pytest.raises(Forbidden):  # a grid worker may edit but not import
        import_households(actor=town.gridworker, path=path, into=None)
    report = import_households(actor=town.secretary, path=path, into=town.village)
    assert report.committed and report.residents_imported == 1
    assert AuditEvent.objects.filter(action="household.import", actor=town.secretary).count() == 1


def test_bad_files(town: Town, tmp_path: Path) -> None:
    (tmp_path / "x.txt.doc").write_text("x")
    with pytest.raises(ValidationFailed):
        import_households(actor=None, path=tmp_path / "x.txt.doc", into=None)
    with pytest.raises(ValidationFailed):
        import_households(actor=None, path=tmp_path / "missing.csv", into=None)
    (tmp_path / "bad.xlsx").write_bytes(b"PK\x03\x04not a zip")
    with pytest.raises(ValidationFailed) as caught:
        import_households(actor=None, path=tmp_path / "bad.xlsx", into=None)
    assert caught.value.code == "table_unreadable"
    write_csv(tmp_path / "m.csv", [], columns=(Col.NAME, Col.NAME, Col.ID_NUMBER))
    with pytest.raises(ValidationFailed) as caught:
        import_households(actor=None, path=tmp_path / "m.csv", into=None)
    assert caught.value.code in {"table_duplicate_headers", "table_missing_headers"}
