"""The import page: who may use it, upload checks, the per-row report, nothing written on errors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from sanzhi.core.testing import Town
from sanzhi.people.idnumber import make_id_number
from sanzhi.people.models import Household, Resident

ClientAs = Callable[[str], Client]
HEADER = ["户编号", "网格编码", "住址", "与户主关系", "姓名", "身份证号", "联系电话"]
GOOD_A = make_id_number("511923", dt.date(1980, 5, 6), 611)
GOOD_B = make_id_number("511923", dt.date(1982, 7, 8), 622)
BAD_B = GOOD_B[:-1] + ("0" if GOOD_B[-1] != "0" else "1")


def csv_upload(rows: list[list[str]], name: str = "registry.csv") -> SimpleUploadedFile:
    body = "\n".join(",".join(r) for r in [HEADER, *rows]) + "\n"
    return SimpleUploadedFile(name, body.encode("utf-8"), content_type="text/csv")


def rows(node_code: str, second_id: str) -> list[list[str]]:
    return [
        ["H9001", node_code, "创举社区2号楼303", "户主", "赵大明", GOOD_A, "13900001111"],
        ["H9001", "", "", "配偶", "钱小红", second_id, ""],
    ]


def post(client: Client, upload: Any, **extra: str) -> Any:
    return client.post(reverse("web:import"), {"file": upload, **extra})


@pytest.mark.parametrize(
    ("persona", "status"),
    [("secretary", 200), ("street", 200), ("gridworker", 404), ("rep", 404), ("resident", 404)],
)
def test_import_page_needs_the_import_capability(
    town: Town, client_as: ClientAs, persona: str, status: int
) -> None:
    assert client_as(persona).get(reverse("web:import")).status_code == status


def test_target_nodes_are_the_scope_only(town: Town, client_as: ClientAs) -> None:
    page = client_as("secretary").get(reverse("web:import")).content.decode()
    assert town.micro2.code in page
    assert town.other_micro.code not in page
    assert town.township.code not in page


def test_bad_row_reports_row_column_message_and_writes_nothing(town: Town, client_as: ClientAs) -> None:
    before = Household.objects.count()
    response = post(client_as("secretary"), csv_upload(rows(town.micro2.code, BAD_B)))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="import-nothing-written"' in page
    assert '<td class="font-monospace">3</td>' in page  # the bad row is the file's third line
    assert "身份证号" in page
    assert "校验码" in page
    assert Household.objects.count() == before
    assert not Resident.objects.filter(name="赵大明").exists()


def test_good_file_imports_and_shows_counts(town: Town, client_as: ClientAs) -> None:
    response = post(client_as("secretary"), csv_upload(rows(town.micro2.code, GOOD_B)))
    page = response.content.decode()
    assert 'data-testid="import-ok"' in page
    assert 'data-testid="households-imported">1<' in page
    assert 'data-testid="residents-imported">2<' in page
    household = Household.objects.get(number="H9001")
    assert household.node == town.micro2
    assert household.members.count() == 2


def test_partial_import_skips_the_bad_household(town: Town, client_as: ClientAs) -> None:
    good_c = make_id_number("511923", dt.date(1990, 1, 2), 633)
    data = [
        *rows(town.micro2.code, BAD_B),
        ["H9002", town.micro2.code, "创举社区2号楼404", "户主", "孙强", good_c, ""],
    ]
    page = post(client_as("secretary"), csv_upload(data), partial="on").content.decode()
    assert 'data-testid="import-partial-done"' in page
    assert 'data-testid="households-imported">1<' in page
    assert Household.objects.filter(number="H9002").exists()
    assert not Household.objects.filter(number="H9001").exists()


def test_import_into_a_chosen_node_without_node_column(town: Town, client_as: ClientAs) -> None:
    upload = SimpleUploadedFile(
        "r.csv", f"住址,与户主关系,姓名,身份证号\n创举社区2号楼505,户主,周平,{GOOD_A}\n".encode(), "text/csv"
    )
    page = post(client_as("secretary"), upload, node=town.micro2.code).content.decode()
    assert 'data-testid="import-ok"' in page
    assert Household.objects.get(address="创举社区2号楼505").node == town.micro2


def test_out_of_scope_target_is_refused(town: Town, client_as: ClientAs) -> None:
    response = post(
        client_as("secretary"), csv_upload(rows(town.micro2.code, GOOD_B)), node=town.other_micro.code
    )
    assert response.status_code == 400
    assert not Household.objects.filter(number="H9001").exists()


def test_rows_outside_scope_are_rejected(town: Town, client_as: ClientAs) -> None:
    response = post(client_as("secretary"), csv_upload(rows(town.other_micro.code, GOOD_B)))
    assert 'data-testid="import-nothing-written"' in response.content.decode()
    assert not Household.objects.filter(number="H9001").exists()


def test_wrong_extension_is_a_clear_error(town: Town, client_as: ClientAs) -> None:
    upload = SimpleUploadedFile("registry.xls", b"whatever", content_type="application/vnd.ms-excel")
    response = post(client_as("secretary"), upload)
    assert response.status_code == 400
    assert "只支持 .xlsx 或 .csv 文件" in response.content.decode()


def test_too_large_upload_is_a_clear_error(town: Town, client_as: ClientAs, settings: Any) -> None:
    settings.SANZHI_IMPORT_MAX_UPLOAD_BYTES = 1024 * 1024
    upload = SimpleUploadedFile("big.csv", b"x" * (1024 * 1024 + 1), content_type="text/csv")
    response = post(client_as("secretary"), upload)
    assert response.status_code == 400
    assert "文件太大" in response.content.decode()


def test_unreadable_file_shows_the_domain_message(town: Town, client_as: ClientAs) -> None:
    upload = SimpleUploadedFile("broken.xlsx", b"not a zip file", content_type="application/octet-stream")
    response = post(client_as("secretary"), upload)
    assert response.status_code == 400
    assert 'data-testid="import-error"' in response.content.decode()


def test_import_needs_csrf(town: Town) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(town.users["secretary"])
    response = client.post(reverse("web:import"), {"file": csv_upload(rows(town.micro2.code, GOOD_B))})
    assert response.status_code == 403
    assert not Household.objects.filter(number="H9001").exists()


def test_template_download_is_the_import_sheet(town: Town, client_as: ClientAs, tmp_path: Any) -> None:
    from python_calamine import CalamineWorkbook

    from sanzhi.people.columns import HOUSEHOLD_COLUMNS

    response = client_as("secretary").get(reverse("web:import_template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    path = tmp_path / "template.xlsx"
    path.write_bytes(response.content)
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    assert tuple(str(c) for c in sheet[0][: len(HOUSEHOLD_COLUMNS)]) == HOUSEHOLD_COLUMNS
    assert client_as("gridworker").get(reverse("web:import_template")).status_code == 404
