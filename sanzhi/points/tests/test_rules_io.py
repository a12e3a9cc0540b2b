"""Rule catalog import/export: all or nothing, per-row errors, xlsx and csv (UTF-8, GB18030)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from sanzhi.core.models import AuditEvent
from sanzhi.core.testing import Town
from sanzhi.points.ledger import points_decide, points_record
from sanzhi.points.models import Evidence, Rule, RuleCategory
from sanzhi.points.rules_io import COLUMNS, export_rows, export_rules, import_rules
from sanzhi.points.schemes import scheme_adopt
from sanzhi.points.testing import PointsWorld

pytestmark = pytest.mark.django_db

HEADER = [
    "类别编码",
    "类别",
    "细则编码",
    "事项",
    "最低分值",
    "最高分值",
    "佐证要求",
    "审批机构",
    "每周期上限",
    "启用",
]


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def snapshot(scheme_id: int) -> list[tuple[object, ...]]:
    return list(
        Rule.objects.filter(scheme_id=scheme_id)
        .order_by("code")
        .values_list(
            "code",
            "item",
            "category__code",
            "points_min",
            "points_max",
            "evidence",
            "council",
            "cap_per_period",
            "active",
        )
    )


def test_columns_are_the_published_headers() -> None:
    assert COLUMNS == HEADER


def test_import_creates_and_updates_rules_and_categories(pw: PointsWorld, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "rules.csv",
        [
            HEADER,
            [
                "social",
                "社会公德",
                "volunteer",
                "参加志愿服务活动（每次）",
                "10",
                "",
                "照片或文字说明",
                "",
                "4",
                "是",
            ],
            ["green", "绿色生活", "bike", "绿色出行", "2", "", "无需佐证", "", "", "是"],
            ["green", "绿色生活", "plastic", "乱丢塑料垃圾", "-5", "-2", "照片", "", "", "否"],
            ["family", "家庭美德", "helping", "孝老爱亲、邻里互助", "5", "30", "", "", "", ""],
        ],
    )
    report = import_rules(actor=pw.town.secretary, scheme=pw.scheme, path=path)
    assert report.ok, report.as_dict()
    assert (report.created, report.updated, report.unchanged) == (["bike", "plastic"], ["volunteer"], 1)
    assert report.categories_created == ["green"]
    volunteer = Rule.objects.get(scheme=pw.scheme, code="volunteer")
    assert (volunteer.item, volunteer.cap_per_period) == ("参加志愿服务活动（每次）", 4)
    plastic = Rule.objects.get(scheme=pw.scheme, code="plastic")
    assert (plastic.points_min, plastic.points_max, plastic.evidence, plastic.active) == (
        -5,
        -2,
        Evidence.PHOTO,
        False,
    )
    assert plastic.category.name == "绿色生活"
    assert AuditEvent.objects.filter(action="points.rule.import", subject_id=str(pw.scheme.pk)).exists()


@pytest.mark.parametrize(
    ("row", "column", "code"),
    [
        (["social", "", "a1", "事项", "20", "10", "", "", "", ""], "最高分值", "points_range_inverted"),
        (["social", "", "a1", "事项", "-5", "5", "", "", "", ""], "最高分值", "points_range_mixed_sign"),
        (["social", "", "a1", "事项", "5", "", "录像", "", "", ""], "佐证要求", "points_evidence_unknown"),
        (["social", "", "a1", "事项", "五", "", "", "", "", ""], "最低分值", "points_value_not_int"),
        (["social", "", "a1", "", "5", "", "", "", "", ""], "事项", "points_name_required"),
        (["new", "", "a1", "事项", "5", "", "", "", "", ""], "类别", "category_name_required"),
        (["social", "", "a 1", "事项", "5", "", "", "", "", ""], "细则编码", "points_code_invalid"),
        (["social", "", "a1", "事项", "5", "", "", "", "0", ""], "每周期上限", "points_cap_invalid"),
        (["social", "", "a1", "事项", "5", "", "", "", "", "也许"], "启用", "bad_flag"),
    ],
)
def test_a_bad_row_writes_nothing(
    pw: PointsWorld, tmp_path: Path, row: list[str], column: str, code: str
) -> None:
    before = snapshot(pw.scheme.pk)
    good = ["social", "社会公德", "volunteer", "参加志愿服务", "12", "", "", "", "", ""]
    path = write_csv(tmp_path / "bad.csv", [HEADER, good, row])
    report = import_rules(actor=None, scheme=pw.scheme, path=path)
    assert not report.ok
    assert [(e.row, e.column, e.code) for e in report.errors] == [(3, column, code)]
    assert snapshot(pw.scheme.pk) == before
    assert not RuleCategory.objects.filter(scheme=pw.scheme, code="new").exists()


def test_duplicate_codes_and_every_bad_row_are_reported(pw: PointsWorld, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "dup.csv",
        [
            HEADER,
            ["social", "", "n1", "事项一", "5", "", "", "", "", ""],
            ["social", "", "n1", "事项二", "5", "", "", "", "", ""],
            ["social", "", "n2", "事项三", "9", "3", "", "", "", ""],
        ],
    )
    report = import_rules(actor=None, scheme=pw.scheme, path=path)
    assert [(e.row, e.code) for e in report.errors] == [(3, "duplicate_code"), (4, "points_range_inverted")]
    assert "第 1 行" not in report.as_dict()["errors"][0]["message"]
    assert "2" in report.as_dict()["errors"][0]["message"]  # names the first row with that code
    assert not Rule.objects.filter(code__in=["n1", "n2"]).exists()


def test_bad_header_is_a_file_error(pw: PointsWorld, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "h.csv", [["类别编码", "编码", "事项", "分值"], ["social", "z", "事项", "5"]])
    report = import_rules(actor=None, scheme=pw.scheme, path=path)
    assert report.file_error is not None and report.file_error.code == "table_missing_headers"
    assert set(report.file_error.data["missing"]) == {"细则编码", "最低分值"}
    assert not Rule.objects.filter(code="z").exists()


def test_a_used_rule_cannot_change_its_value_by_import(pw: PointsWorld, tmp_path: Path) -> None:
    town = pw.town
    claim = points_record(actor=town.rep, account_id=pw.accounts["h1"].pk, rule_id=pw.rules["sorting"].pk)
    points_decide(actor=town.secretary, entry_ids=[claim.pk], approve=True)
    before = snapshot(pw.scheme.pk)
    path = write_csv(
        tmp_path / "used.csv",
        [
            HEADER,
            ["social", "", "sorting", "主动进行垃圾分类", "30", "", "", "", "1", ""],
            ["work", "", "new_one", "新事项", "5", "", "", "", "", ""],
        ],
    )
    report = import_rules(actor=None, scheme=pw.scheme, path=path)
    assert [(e.row, e.column, e.code) for e in report.errors] == [(2, "最低分值", "points_rule_in_use")]
    assert "停用" in report.errors[0].render()
    assert snapshot(pw.scheme.pk) == before


def test_only_managers_import(pw: PointsWorld, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "r.csv", [HEADER, ["social", "", "q1", "事项", "5", "", "", "", "", ""]])
    for persona in ("rep", "gridworker", "council", "outsider"):
        report = import_rules(actor=getattr(pw.town, persona), scheme=pw.scheme, path=path)
        assert report.file_error is not None and report.file_error.code == "forbidden"
    assert not Rule.objects.filter(code="q1").exists()
    assert import_rules(actor=pw.town.street, scheme=pw.scheme, path=path).ok


def test_gb18030_csv_is_read(pw: PointsWorld, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "gbk.csv",
        [HEADER, ["social", "社会公德", "gb1", "参加义务植树", "5", "", "照片", "", "", "是"]],
        encoding="gb18030",
    )
    report = import_rules(actor=None, scheme=pw.scheme, path=path)
    assert report.ok, report.as_dict()
    assert Rule.objects.get(scheme=pw.scheme, code="gb1").item == "参加义务植树"


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_export_import_round_trip(town: Town, tmp_path: Path, suffix: str) -> None:
    source = scheme_adopt(actor=None, template="shixing", node=town.village)
    out = tmp_path / f"shixing{suffix}"
    assert export_rules(scheme=source, path=out) == 54
    # Into a fresh scheme: every category and rule is created as exported.
    target = scheme_adopt(actor=None, template="daode_bank", node=town.other_village, code="copy")
    Rule.objects.filter(scheme=target).delete()
    RuleCategory.objects.filter(scheme=target).delete()
    report = import_rules(actor=None, scheme=target, path=out)
    assert report.ok, report.as_dict()
    assert len(report.created) == 54 and len(report.categories_created) == 10
    assert export_rows(target) == export_rows(source)
    # Importing the same file again changes nothing.
    again = import_rules(actor=None, scheme=source, path=out)
    assert again.ok and again.unchanged == 54 and not again.created and not again.updated
