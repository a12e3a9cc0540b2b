"""``/api/v1/deliberation/matters/{id}/attachments``: uploading documents to a matter (multipart),
the matter detail listing them, the scoped download, files sent with the proposal, and every
refusal answered with a stable code and nothing written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pytest_django import Settings

from sanzhi.api.tests.deliberation_kit import Api, P, assert_error, ok
from sanzhi.core.testing import Town
from sanzhi.deliberation import flow
from sanzhi.deliberation.models import Matter, MatterAttachment, MatterEvent
from sanzhi.deliberation.testing import DeliberationWorld, build_deliberation_world
from sanzhi.deliberation.tests.notice_kit import propose
from sanzhi.deliberation.tests.test_attachments import PDF, PNG, pdf, png

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def dw(town: Town) -> DeliberationWorld:
    return build_deliberation_world(town)


def written() -> tuple[int, int, int]:
    return Matter.objects.count(), MatterAttachment.objects.count(), MatterEvent.objects.count()


def upload(api_as: Api, persona: str, matter_id: int, *files: SimpleUploadedFile) -> Any:
    return api_as(persona).post(
        f"{P}/matters/{matter_id}/attachments", {"files": list(files)}, format="multipart"
    )


def test_upload_list_and_download(dw: DeliberationWorld, api_as: Api) -> None:
    matter = propose(dw)
    detail = ok(upload(api_as, "secretary", matter.pk, png("现场照片"), pdf()), 201)
    assert detail["id"] == matter.pk
    rows = detail["attachments"]
    assert [(r["name"], r["content_type"], r["size"]) for r in rows] == [
        ("现场照片", "image/png", len(PNG)),
        ("预算表.pdf", "application/pdf", len(PDF)),
    ]
    assert rows[0]["url"].endswith(f"{P}/matters/{matter.pk}/attachments/{rows[0]['id']}")
    assert "attached" in [e["action"] for e in detail["timeline"]]
    assert ok(api_as("council").get(f"{P}/matters/{matter.pk}"))["attachments"] == rows

    response = api_as("street").get(rows[1]["url"], HTTP_ACCEPT="image/*")
    assert response.status_code == 200
    assert response.getvalue() == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "attachment;" in response["Content-Disposition"]


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("secretary", 201),
        ("street", 201),
        ("council", 201),
        ("sysadmin", 201),
        # The matter lies outside what they see: 404, its existence not disclosed.
        ("gridworker", 404),
        ("rep", 404),
        ("resident", 404),
        ("dept", 404),
        ("outsider", 404),
    ],
)
def test_who_may_upload(dw: DeliberationWorld, api_as: Api, persona: str, status: int) -> None:
    matter = propose(dw)
    before = written()
    response = upload(api_as, persona, matter.pk, png())
    if status == 201:
        assert ok(response, 201)["attachments"][0]["name"] == "现场照片.png"
        return
    assert_error(response, 404, "matter_not_found")
    assert written() == before


@pytest.mark.parametrize(
    ("files", "code", "message"),
    [
        (
            [SimpleUploadedFile("说明.txt", b"hello", content_type="text/plain")],
            "attachment_type",
            "附件 说明.txt 的格式不支持（请上传照片或 PDF）",
        ),
        ([png(f"{i}.png") for i in range(10)], "invalid", None),
    ],
)
def test_bad_uploads_write_nothing(
    dw: DeliberationWorld, api_as: Api, files: list[SimpleUploadedFile], code: str, message: str | None
) -> None:
    matter = propose(dw)
    before = written()
    body = assert_error(upload(api_as, "secretary", matter.pk, *files), 400, code)
    if message is not None:
        assert body["message"] == message
    assert written() == before


def test_bad_type_message_follows_the_language(dw: DeliberationWorld, api_as: Api) -> None:
    matter = propose(dw)
    bad = SimpleUploadedFile("说明.txt", b"hello", content_type="text/plain")
    response = api_as("secretary").post(
        f"{P}/matters/{matter.pk}/attachments",
        {"files": [bad]},
        format="multipart",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    body = assert_error(response, 400, "attachment_type")
    assert body["message"] == "Attachment 说明.txt has an unsupported format (upload photos or PDF)"


def test_no_file_is_a_400(dw: DeliberationWorld, api_as: Api) -> None:
    matter = propose(dw)
    before = written()
    assert_error(
        api_as("secretary").post(f"{P}/matters/{matter.pk}/attachments", {}, format="multipart"),
        400,
        "invalid",
    )
    assert written() == before


def test_a_closed_matter_is_a_409(dw: DeliberationWorld, api_as: Api) -> None:
    matter = propose(dw)
    flow.matter_withdraw(actor=dw.town.users["secretary"], matter=matter, reason="不再需要")
    before = written()
    assert_error(upload(api_as, "secretary", matter.pk, pdf()), 409, "matter_closed")
    assert written() == before


def test_download_is_scoped(dw: DeliberationWorld, api_as: Api) -> None:
    matter = propose(dw)
    other = propose(dw, title="更换路灯")
    aid = ok(upload(api_as, "secretary", matter.pk, png()), 201)["attachments"][0]["id"]
    url = f"{P}/matters/{matter.pk}/attachments/{aid}"
    for persona in ("outsider", "gridworker", "resident"):
        assert_error(api_as(persona).get(url), 404, "matter_not_found")
    assert_error(
        api_as("secretary").get(f"{P}/matters/{other.pk}/attachments/{aid}"), 404, "attachment_not_found"
    )
    assert_error(
        api_as("secretary").get(f"{P}/matters/{matter.pk}/attachments/{aid + 1}"), 404, "attachment_not_found"
    )
    assert api_as("secretary").get(f"{P}/matters/{matter.pk}/attachments/{10**12}").status_code == 404
    assert api_as("secretary").get(url).status_code == 200


def test_propose_with_files(dw: DeliberationWorld, api_as: Api) -> None:
    body = {
        "node": dw.town.village.code,
        "procedure": dw.procedures["siyi_liangkai"].pk,
        "title": "修缮村史馆",
        "amount_fen": "500000",
        "attachments": [pdf(), png()],
    }
    created = ok(api_as("secretary").post(f"{P}/matters/", body, format="multipart"), 201)
    assert [a["name"] for a in created["attachments"]] == ["预算表.pdf", "现场照片.png"]
    assert created["amount_fen"] == 500_000


def test_propose_with_a_bad_file_writes_nothing(dw: DeliberationWorld, api_as: Api) -> None:
    body = {
        "node": dw.town.village.code,
        "procedure": dw.procedures["siyi_liangkai"].pk,
        "title": "修缮村史馆",
        "attachments": [png(), SimpleUploadedFile("a.exe", b"MZ", content_type="application/x-msdownload")],
    }
    before = written()
    assert_error(api_as("secretary").post(f"{P}/matters/", body, format="multipart"), 400, "attachment_type")
    assert written() == before
