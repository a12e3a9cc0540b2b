"""The column-wise fast path (importing_fast) against the row-by-row reference: for any file and any
batch size, the same problems, the same counts and the same households, down to the COPY text."""

from __future__ import annotations

import datetime as dt
import itertools
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sanzhi.core.tabular import read_table
from sanzhi.people.columns import HOUSEHOLD_COLUMNS, OPTIONAL_COLUMNS, REQUIRED_COLUMNS, Col
from sanzhi.people.idnumber import check_character, make_id_number
from sanzhi.people.importing import ImportReport, _Importer
from sanzhi.people.importing_fast import CopyBlock, FastPath
from sanzhi.people.importing_process import _ReaderSink
from sanzhi.people.importing_rows import RowValidator
from sanzhi.people.importing_sink import FileHousehold, prepare_household
from sanzhi.people.tests.test_importing import write_csv, write_xlsx

pytestmark = pytest.mark.django_db

MICRO, MICRO2, UNKNOWN = "511923100201001001", "511923100201001002", "511923100201009009"
KNOWN = {MICRO: (11, "0001000100010001"), MICRO2: (12, "0001000100010002")}
STAMP = "2026-12-01 08:00:00+00"
COLUMNS = (*HOUSEHOLD_COLUMNS, Col.HEAD_ID)


def pid(n: int, region: str = "511902", born: dt.date = dt.date(1985, 6, 15)) -> str:
    return make_id_number(region, born, n)


# Each column: mostly the plain case, and the odd values the reference has to speak about.
CELLS: dict[str, list[Any]] = {
    Col.NUMBER: ["H1", "H1", "H2", "H3", "", " H2 ", "Ｈ3"],
    Col.NODE: [MICRO, MICRO, MICRO2, "", UNKNOWN, "5119231002010010o1"],
    Col.ADDRESS: ["甲村1号", "甲村1号", "乙村2号", "", "丙村 3 号", "丁\\4号", "x" * 201],
    Col.RELATION: ["户主", "户主", "配偶", "子", "女", "02", "主人", ""],
    Col.NAME: ["张三", "李四", " 王五 ", "赵　六", "", "钱" * 51, "O'Brien \\N"],
    Col.ID_NUMBER: [
        *[pid(n) for n in range(1, 9)],
        pid(3)[:-1] + "x" if pid(3).endswith("X") else pid(3),
        "123",
        pid(1, "999999"),  # a region not in GB/T 2260: a warning
        pid(2, "810000"),  # 港澳居民居住证
        pid(4, born=dt.date(2999, 1, 1)),
        "51190219851315123" + check_character("51190219851315123"),
        pid(5)[:-1] + ("0" if pid(5)[-1] != "0" else "1"),
        "",
    ],
    Col.PHONE: ["", "13800138000", "15912345678", "138 0013 8000", "02887654321", "12345"],
    Col.ETHNICITY: ["", "汉族", "回", "火星族"],
    Col.POLITICAL: ["", "中共党员", "群众"],
    Col.EDUCATION: ["", "大学本科", "不识字么"],
    Col.MARITAL: ["", "已婚"],
    Col.OCCUPATION: ["", "个体", "教 师"],
    Col.RESIDENCE: ["", "户籍人口", "流动人口"],
    Col.REGISTERED_ADDRESS: ["", "四川省巴中市平昌县"],
    Col.HOUSEHOLD_TAGS: ["", "", "低保户", "不存在的标签"],
    Col.RESIDENT_TAGS: ["", "", "残疾人、退役军人", "残疾人"],
    Col.HEAD_ID: ["", "", pid(1), pid(6)],
}
PLAIN = {
    col: values[0] if values[0] or col not in (Col.RELATION, Col.NAME) else values[1]
    for col, values in CELLS.items()
}


@st.composite
def sheets(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Rows that are mostly plain (so whole batches take the fast path) with odd cells mixed in."""
    rows = []
    for _ in range(draw(st.integers(0, 24))):
        r = dict(PLAIN)
        r[Col.NUMBER] = draw(st.sampled_from(["H1", "H2", "H3", "H4", "H5", ""]))
        r[Col.ID_NUMBER] = pid(draw(st.integers(1, 40)))
        r[Col.RELATION] = draw(st.sampled_from(["户主", "户主", "配偶", "子"]))
        for col in draw(st.lists(st.sampled_from(COLUMNS), max_size=2)):
            r[col] = draw(st.sampled_from(CELLS[col]))
        rows.append(r)
    return rows


class Recorder:
    """The reading process's pipeline without a process: prepares households, keeps what it sends."""

    def __init__(self) -> None:
        self.sink = _ReaderSink(chunk=3)
        self.sent: list[FileHousehold | CopyBlock] = []
        self.households = itertools.count(1)
        self.residents = itertools.count(1)

    def prepare(self, h: FileHousehold) -> None:
        prepare_household(
            h,
            known=KNOWN,
            default_code=None,
            stamp=STAMP,
            take_household_id=self.households.__next__,
            take_resident_id=self.residents.__next__,
        )

    def submit(self, pending: list[Any]) -> None:
        self.sent.extend(pending)

    def close(self) -> None:
        pass


def households_sent(sent: list[FileHousehold | CopyBlock]) -> list[tuple[Any, ...]]:
    out = []
    for item in sent:
        for h in item.explode() if isinstance(item, CopyBlock) else [item]:
            out.append(
                (
                    h.first_row,
                    h.rows,
                    sorted(h.bad_rows),
                    h.copy_household,
                    h.copy_household_tags,
                    h.copy_residents,
                    h.copy_resident_tags,
                    h.id_rows() if h.copy_residents is not None else None,
                )
            )
    return out


def run(path: Path, *, partial: bool, batch: int | None) -> tuple[Any, ...]:
    validator = RowValidator(today=dt.date(2026, 12, 1))
    report = ImportReport(file=path.name, partial=partial)
    recorder = Recorder()
    importer = _Importer(validator=validator, partial=partial, report=report, pipeline=recorder)  # type: ignore[arg-type]
    required = [*REQUIRED_COLUMNS, Col.NODE]
    with read_table(path, required=required, optional=list(OPTIONAL_COLUMNS)) as table:
        if batch is None:
            for row in table:
                importer.feed(row.number, row.values)
        else:
            fast = FastPath(
                importer,
                known=KNOWN,
                default_code=None,
                stamp=STAMP,
                take_household_ids=lambda n: [next(recorder.households) for _ in range(n)],
                take_resident_ids=lambda n: [next(recorder.residents) for _ in range(n)],
            )
            for b in table.batches(batch):
                fast.feed(b)
            fast.end_of_file()
    importer.end_of_file()
    problems = importer.problems
    return (
        report.rows_read,
        report.rows_rejected,
        [e.as_dict() for e in problems.errors],
        [w.as_dict() for w in problems.warnings],
        households_sent(recorder.sent),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=sheets(), batch=st.integers(1, 7), partial=st.booleans())
def test_fast_path_equals_the_reference(rows: list[dict[str, Any]], batch: int, partial: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = write_csv(Path(tmp) / "sheet.csv", rows, columns=COLUMNS)
        assert run(path, partial=partial, batch=batch) == run(path, partial=partial, batch=None)


def plain_household(number: str, first_id: int, size: int) -> list[dict[str, Any]]:
    rows = []
    for i in range(size):
        r = dict(PLAIN)
        r.update(
            {Col.NUMBER: number, Col.ID_NUMBER: pid(first_id + i), Col.RELATION: "户主" if i == 0 else "子"}
        )
        rows.append(r)
    return rows


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_plain_file_goes_fast_and_writes_the_same(tmp_path: Path, kind: str) -> None:
    rows = [r for k in range(30) for r in plain_household(f"P{k:03d}", 10 * k + 1, 1 + k % 4)]
    rows[5][Col.PHONE] = 13900139000  # a number cell in a sheet: that batch goes the slow way
    writer = write_xlsx if kind == "xlsx" else write_csv
    path = writer(tmp_path / f"plain.{kind}", rows, columns=COLUMNS)
    fast = run(path, partial=False, batch=7)
    assert fast == run(path, partial=False, batch=None)
    assert fast[0] == len(rows) and fast[2] == [] and len(fast[4]) == 30


def test_a_bad_row_sends_only_its_batch_the_slow_way(tmp_path: Path) -> None:
    rows = [r for k in range(20) for r in plain_household(f"P{k:03d}", 10 * k + 1, 2)]
    rows[15][Col.ID_NUMBER] = "123"
    path = write_csv(tmp_path / "one-bad.csv", rows, columns=COLUMNS)
    validator = RowValidator(today=dt.date(2026, 12, 1))
    importer = _Importer(
        validator=validator,
        partial=True,
        report=ImportReport(file="x", partial=True),
        pipeline=Recorder(),  # type: ignore[arg-type]
    )
    fast = FastPath(
        importer,
        known=KNOWN,
        default_code=None,
        stamp=STAMP,
        take_household_ids=lambda n: list(range(n)),
        take_resident_ids=lambda n: list(range(n)),
    )
    with read_table(path, required=[*REQUIRED_COLUMNS, Col.NODE], optional=list(OPTIONAL_COLUMNS)) as table:
        for b in table.batches(8):
            fast.feed(b)
    fast.end_of_file()
    assert fast.batches_slow == 1
    assert run(path, partial=True, batch=8) == run(path, partial=True, batch=None)


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_batches_give_the_rows_iteration_gives(tmp_path: Path, kind: str) -> None:
    rows: list[dict[str, Any]] = [dict(PLAIN, **{Col.NAME: f" 名{i} "}) for i in range(9)]
    rows.insert(4, {})  # a blank record: skipped either way
    rows[2] = {Col.NAME: "仅姓名"}  # a record with most cells empty
    if kind == "xlsx":  # cells a sheet types: numbers, a whole float, zero
        rows[6][Col.PHONE] = 13800138000
        rows[7][Col.ID_NUMBER] = 5.119021985061501e17
        rows[8][Col.OCCUPATION] = 0
        path = write_xlsx(tmp_path / "t.xlsx", rows, columns=COLUMNS)
    else:
        path = write_csv(tmp_path / "t.csv", rows, columns=COLUMNS)
    required = [*REQUIRED_COLUMNS, Col.NODE]
    with read_table(path, required=required, optional=list(OPTIONAL_COLUMNS)) as table:
        one_by_one = [(r.number, r.values) for r in table]
    assert len(one_by_one) == 9
    for size in (1, 2, 4, 100):
        with read_table(path, required=required, optional=list(OPTIONAL_COLUMNS)) as table:
            batched = [(r.number, r.values) for b in table.batches(size) for r in b.rows()]
        assert batched == one_by_one
