"""议题附件 in the console: the matter page lists the documents with download links and offers the
upload form to whoever may add one; refused uploads show the translated message and store
nothing; the propose form takes files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from pytest_django import Settings

from sanzhi.core.testing import Town
from sanzhi.deliberation import flow
from sanzhi.deliberation.attachments import matter_attach
from sanzhi.deliberation.models import Matter, MatterAttachment, MatterEvent
from sanzhi.deliberation.testing import DeliberationWorld, build_deliberation_world
from sanzhi.deliberation.tests.notice_kit import propose
from sanzhi.deliberation.tests.test_attachments import PDF, PNG, pdf, png

ClientAs = Callable[[str], Client]


@pytest.fixture(autouse=True)
def _media(settings: Settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world(town: Town) -> DeliberationWorld:
    return build_deliberation_world(town)


def text(response: Any) -> str:
    return response.content.decode()


def page(client: Client, matter: Matter) -> str:
    return text(client.get(reverse("web:delib_matter", args=[matter.pk])))


def attach(client: Client, matter: Matter, *files: SimpleUploadedFile, **extra: Any) -> Any:
    url = reverse("web:delib_matter_act", args=[matter.pk, "attach"])
    return client.post(url, {"attachments": list(files)}, **extra)


def written() -> tuple[int, int, int]:
    return Matter.objects.count(), MatterAttachment.objects.count(), MatterEvent.objects.count()


def test_upload_then_list_and_download(world: DeliberationWorld, client_as: ClientAs) -> None:
    matter = propose(world)
    secretary = client_as("secretary")
    body = page(secretary, matter)
    assert 'data-testid="attach-form"' in body and 'enctype="multipart/form-data"' in body
    assert "暂无附件" in body
    response = attach(secretary, matter, png("现场照片"), pdf(), follow=True)
    assert response.status_code == 200
    body = text(response)
    assert "已上传2个附件" in body
    assert body.count('data-testid="attachment"') == 2 and "现场照片" in body and "预算表.pdf" in body
    assert 'data-action="attached"' in body and "上传附件" in body
    first = MatterAttachment.objects.filter(matter=matter).order_by("id").first()
    assert first is not None
    url = f"/api/v1/deliberation/matters/{matter.pk}/attachments/{first.pk}"
    assert f'href="{url}"' in body
    # The console's session signs in to the download endpoint.
    download = secretary.get(url, HTTP_X_FORWARDED_PROTO="https")
    assert download.status_code == 200 and download.getvalue() == PNG
    assert download["Content-Type"] == "image/png"
    assert client_as("outsider").get(url, HTTP_X_FORWARDED_PROTO="https").status_code == 404


@pytest.mark.parametrize("persona", ["secretary", "street", "council"])
def test_who_sees_the_upload_form(world: DeliberationWorld, client_as: ClientAs, persona: str) -> None:
    matter = propose(world)
    assert 'data-testid="attach-form"' in page(client_as(persona), matter)


@pytest.mark.parametrize("persona", ["gridworker", "outsider", "rep", "resident", "nobody"])
def test_out_of_scope_upload_is_a_404(world: DeliberationWorld, client_as: ClientAs, persona: str) -> None:
    matter = propose(world)
    before = written()
    assert attach(client_as(persona), matter, png()).status_code == 404
    assert written() == before


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (
            [png(), SimpleUploadedFile("说明.txt", b"hello", content_type="text/plain")],
            "附件 说明.txt 的格式不支持（请上传照片或 PDF）",
        ),
        ([png(f"{i}.png") for i in range(10)], "最多上传9个附件"),
        ([], "请选择要上传的附件"),
    ],
)
def test_refused_upload_shows_why_and_writes_nothing(
    world: DeliberationWorld, client_as: ClientAs, files: list[SimpleUploadedFile], message: str
) -> None:
    matter = propose(world)
    before = written()
    response = attach(client_as("secretary"), matter, *files)
    assert response.status_code == 422
    assert message in text(response)
    assert written() == before


def test_refusal_in_english(world: DeliberationWorld, client_as: ClientAs) -> None:
    matter = propose(world)
    bad = SimpleUploadedFile("说明.txt", b"hello", content_type="text/plain")
    response = attach(client_as("secretary"), matter, bad, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert "Attachment 说明.txt has an unsupported format (upload photos or PDF)" in text(response)


def test_a_closed_matter_lists_files_but_takes_none(world: DeliberationWorld, client_as: ClientAs) -> None:
    matter = propose(world)
    secretary_user = world.town.users["secretary"]
    matter_attach(actor=secretary_user, matter=matter, files=[pdf()])
    flow.matter_withdraw(actor=secretary_user, matter=matter, reason="不再需要")
    secretary = client_as("secretary")
    body = page(secretary, matter)
    assert "预算表.pdf" in body and 'data-testid="attach-form"' not in body
    before = written()
    response = attach(secretary, matter, png())
    assert response.status_code == 422
    assert "该议题已经结束，不能再上传附件" in text(response)
    assert written() == before


def _proposal(world: DeliberationWorld, *files: SimpleUploadedFile) -> dict[str, Any]:
    return {
        "procedure": world.procedures["siyi_liangkai"].pk,
        "title": "修缮村史馆",
        "matter_type": "ordinary",
        "attachments": list(files),
    }


def test_propose_with_files(world: DeliberationWorld, client_as: ClientAs) -> None:
    secretary = client_as("secretary")
    form = text(secretary.get(reverse("web:delib_matter_new")))
    assert 'enctype="multipart/form-data"' in form and 'name="attachments"' in form
    response = secretary.post(reverse("web:delib_matter_new"), _proposal(world, pdf(), png()), follow=True)
    assert response.status_code == 200
    matter = Matter.objects.get(title="修缮村史馆")
    stored = list(MatterAttachment.objects.filter(matter=matter).order_by("id"))
    assert [a.name for a in stored] == ["预算表.pdf", "现场照片.png"]
    assert stored[0].file.read() == PDF
    assert "预算表.pdf" in text(response)


def test_propose_with_a_bad_file_writes_nothing(world: DeliberationWorld, client_as: ClientAs) -> None:
    bad = SimpleUploadedFile("a.exe", b"MZ", content_type="application/x-msdownload")
    before = written()
    response = client_as("secretary").post(reverse("web:delib_matter_new"), _proposal(world, png(), bad))
    assert response.status_code == 422
    assert "附件 a.exe 的格式不支持（请上传照片或 PDF）" in text(response)
    assert written() == before
