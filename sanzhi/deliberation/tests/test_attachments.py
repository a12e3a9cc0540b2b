"""议题附件: who may add documents to a matter (per persona), the tickets' rules on type, size and
count (a translated error and nothing written), a closed matter refused, files sent with the
proposal, and the scoped lookup behind the download."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from pytest_django import Settings

from sanzhi.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from sanzhi.core.models import AuditEvent
from sanzhi.core.testing import Town
from sanzhi.deliberation import flow
from sanzhi.deliberation.attachments import (
    attachment_content_type,
    attachment_get_for,
    attachment_size,
    attachments_of,
    matter_attach,
)
from sanzhi.deliberation.models import Matter, MatterAttachment, MatterEvent, MatterStatus, MatterStep
from sanzhi.deliberation.testing import DeliberationWorld, build_deliberation_world
from sanzhi.deliberation.tests.notice_kit import at, propose
from sanzhi.tickets.inputs import ATTACHMENT_MAX_BYTES, ATTACHMENTS_MAX

T0 = at(2026, 9, 1, 9, 0)
T1 = at(2026, 9, 2, 15, 30)
# A real 1×1 PNG and a minimal PDF.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a1d8d5f50000000049454e44ae426082"
)
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
# deliberation.propose or deliberation.run at 创举社区.
ATTACHERS = {"secretary", "street", "council", "sysadmin"}
PERSONAS = ("resident", "rep", "gridworker", "secretary", "street", "dept", "council", "sysadmin", "outsider")


def png(name: str = "现场照片.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def pdf(name: str = "预算表.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture(autouse=True)
def _media(settings: Settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def world(town: Town) -> DeliberationWorld:
    return build_deliberation_world(town)


def stored_files(media: Path) -> list[Path]:
    return sorted(p for p in media.rglob("*") if p.is_file()) if media.exists() else []


def written() -> tuple[Any, ...]:
    """What a refused call must leave as it was."""
    return (
        list(Matter.objects.order_by("id").values_list("id", "status")),
        list(MatterStep.objects.order_by("id").values_list("id", "status")),
        MatterAttachment.objects.count(),
        MatterEvent.objects.count(),
        AuditEvent.objects.count(),
    )


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_may_attach(world: DeliberationWorld, persona: str, _media: Path) -> None:
    matter = propose(world, now=T0)
    user = world.town.users[persona]
    before = written()
    if persona not in ATTACHERS:
        with pytest.raises(Forbidden):
            matter_attach(actor=user, matter=matter, files=[png()], now=T1)
        assert written() == before
        assert stored_files(_media) == []
        return
    saved = matter_attach(actor=user, matter=matter, files=[png(), pdf()], now=T1)
    assert [a.name for a in saved] == ["现场照片.png", "预算表.pdf"]
    assert all(a.uploaded_by_id == user.pk and a.uploaded_at == T1 for a in saved)
    stored = MatterAttachment.objects.filter(matter=matter).order_by("id")
    assert [a.uploaded_at for a in stored] == [T1, T1]
    assert [a.file.read() for a in stored] == [PNG, PDF]
    event = MatterEvent.objects.get(matter=matter, action="attached")
    assert event.actor_id == user.pk and event.at == T1
    assert event.step_id == matter.current_step_id
    assert event.data == {"attachments": [a.pk for a in saved], "names": ["现场照片.png", "预算表.pdf"]}
    audit = AuditEvent.objects.get(action="deliberation.attach")
    assert audit.subject_id == str(matter.pk) and audit.data["attachments"] == [a.pk for a in saved]


def test_the_proposer_may_attach_without_a_role_there(world: DeliberationWorld) -> None:
    matter = propose(world, now=T0)
    rep = world.town.users["rep"]
    with pytest.raises(Forbidden):
        matter_attach(actor=rep, matter=matter, files=[png()])
    # The proposer's own matter (e.g. a role since moved elsewhere): the proposal is theirs to document.
    Matter.objects.filter(pk=matter.pk).update(proposed_by=rep)
    matter.refresh_from_db()
    saved = matter_attach(actor=rep, matter=matter, files=[pdf()], now=T1)
    assert saved[0].uploaded_by_id == rep.pk


def test_the_stored_name_carries_the_checked_type(world: DeliberationWorld) -> None:
    matter = propose(world, now=T0)
    secretary = world.town.users["secretary"]
    photo, scan = matter_attach(
        actor=secretary, matter=matter, files=[png("现场照片"), pdf("请示 scan.PDF")], now=T1
    )
    assert photo.name == "现场照片" and photo.file.name.endswith(".png")
    assert scan.name == "请示 scan.PDF" and scan.file.name.endswith(".pdf")
    assert attachment_content_type(photo) == "image/png"
    assert attachment_content_type(scan) == "application/pdf"
    rows = attachments_of(matter)
    assert [(r.id, r.name, r.content_type, r.size) for r in rows] == [
        (photo.pk, "现场照片", "image/png", len(PNG)),
        (scan.pk, "请示 scan.PDF", "application/pdf", len(PDF)),
    ]
    photo.file.delete(save=False)
    assert attachment_size(photo) is None


def _bad_uploads() -> list[tuple[str, list[SimpleUploadedFile], str, str]]:
    too_big = SimpleUploadedFile(
        "图纸.pdf", PDF + b"\0" * ATTACHMENT_MAX_BYTES, content_type="application/pdf"
    )
    text = SimpleUploadedFile("说明.txt", b"hello", content_type="text/plain")
    return [
        ("type", [png(), text], "attachment_type",
         "Attachment 说明.txt has an unsupported format (upload photos or PDF)"),
        ("size", [png(), too_big], "attachment_too_large", "Attachment 图纸.pdf is larger than 10 MB"),
        ("count", [png(f"{i}.png") for i in range(ATTACHMENTS_MAX + 1)], "too_many_attachments",
         f"At most {ATTACHMENTS_MAX} attachments"),
    ]  # fmt: skip


@pytest.mark.parametrize("case", ["type", "size", "count"])
def test_bad_uploads_are_refused_whole(world: DeliberationWorld, case: str, _media: Path) -> None:
    matter = propose(world, now=T0)
    _name, files, code, english = next(c for c in _bad_uploads() if c[0] == case)
    before = written()
    with translation.override("en"), pytest.raises(ValidationFailed) as refused:
        matter_attach(actor=world.town.users["secretary"], matter=matter, files=files)
    assert refused.value.code == code
    assert str(refused.value.message) == english
    assert written() == before
    assert stored_files(_media) == []


def test_a_storage_failure_part_way_leaves_nothing(
    world: DeliberationWorld, monkeypatch: pytest.MonkeyPatch, _media: Path
) -> None:
    matter = propose(world, now=T0)
    real_save = FileSystemStorage._save  # type: ignore[attr-defined]  # the private write step
    calls: list[str] = []

    def failing_second(self: FileSystemStorage, name: str, content: Any) -> str:
        calls.append(name)
        if len(calls) == 2:
            raise OSError("disk full")
        return real_save(self, name, content)

    monkeypatch.setattr(FileSystemStorage, "_save", failing_second)
    before = written()
    with pytest.raises(OSError):
        matter_attach(actor=world.town.users["secretary"], matter=matter, files=[png(), pdf()])
    assert len(calls) == 2
    assert written() == before
    assert stored_files(_media) == []


def test_nothing_to_upload(world: DeliberationWorld) -> None:
    matter = propose(world, now=T0)
    before = written()
    with pytest.raises(ValidationFailed) as refused:
        matter_attach(actor=world.town.users["secretary"], matter=matter, files=[])
    assert refused.value.code == "required" and refused.value.data == {"field": "files"}
    assert str(refused.value.message) == "请选择要上传的附件"
    assert written() == before


@pytest.mark.parametrize("end", ["withdrawn", "rejected"])
def test_a_closed_matter_takes_no_files(world: DeliberationWorld, end: str, _media: Path) -> None:
    matter = propose(world, now=T0)
    secretary = world.town.users["secretary"]
    if end == "withdrawn":
        flow.matter_withdraw(actor=secretary, matter=matter, reason="情况已变化", now=T0)
    else:
        assert matter.current_step is not None
        flow.step_finish(actor=secretary, step=matter.current_step, outcome="failed", now=T0)
    matter.refresh_from_db()
    assert matter.status == end and matter.status != MatterStatus.ACTIVE
    before = written()
    with pytest.raises(Conflict) as refused:
        matter_attach(actor=secretary, matter=matter, files=[png()])
    assert refused.value.code == "matter_closed"
    assert written() == before
    assert stored_files(_media) == []


def test_files_sent_with_the_proposal(world: DeliberationWorld) -> None:
    town = world.town
    matter = flow.matter_propose(
        actor=town.users["secretary"],
        node=town.village,
        procedure=world.procedures["siyi_liangkai"],
        title="修缮村史馆",
        amount_fen=500_000,
        attachments=[pdf(), png()],
        now=T0,
    )
    stored = list(MatterAttachment.objects.filter(matter=matter).order_by("id"))
    assert [a.name for a in stored] == ["预算表.pdf", "现场照片.png"]
    assert [a.uploaded_at for a in stored] == [T0, T0]
    actions = list(MatterEvent.objects.filter(matter=matter).order_by("id").values_list("action", flat=True))
    assert actions == ["proposed", "stage_opened", "attached"]


def test_a_bad_file_stops_the_proposal_before_anything_is_written(
    world: DeliberationWorld, _media: Path
) -> None:
    town = world.town
    before = written()
    with pytest.raises(ValidationFailed) as refused:
        flow.matter_propose(
            actor=town.users["secretary"],
            node=town.village,
            procedure=world.procedures["siyi_liangkai"],
            title="修缮村史馆",
            attachments=[png(), SimpleUploadedFile("a.exe", b"MZ", content_type="application/x-msdownload")],
            now=T0,
        )
    assert refused.value.code == "attachment_type"
    assert written() == before
    assert stored_files(_media) == []


@pytest.mark.parametrize("persona", PERSONAS)
def test_download_lookup_is_scoped_like_the_matter(world: DeliberationWorld, persona: str) -> None:
    matter = propose(world, now=T0)
    (attachment,) = matter_attach(actor=world.town.users["secretary"], matter=matter, files=[png()], now=T1)
    user = world.town.users[persona]
    # deliberation.view at 创举社区: the community and the offices above it.
    if persona in {"secretary", "street", "council", "sysadmin"}:
        found = attachment_get_for(user=user, matter_pk=matter.pk, pk=attachment.pk)
        assert found == attachment and found.file.read() == PNG
        return
    with pytest.raises(NotFound) as hidden:
        attachment_get_for(user=user, matter_pk=matter.pk, pk=attachment.pk)
    assert hidden.value.code == "matter_not_found"


def test_an_attachment_only_through_its_own_matter(world: DeliberationWorld) -> None:
    secretary = world.town.users["secretary"]
    first = propose(world, title="修建村口文化广场", now=T0)
    second = propose(world, title="更换路灯", now=T0)
    (attachment,) = matter_attach(actor=secretary, matter=first, files=[pdf()], now=T1)
    with pytest.raises(NotFound) as wrong:
        attachment_get_for(user=secretary, matter_pk=second.pk, pk=attachment.pk)
    assert wrong.value.code == "attachment_not_found"
    with pytest.raises(NotFound):
        attachment_get_for(user=secretary, matter_pk=first.pk, pk=attachment.pk + 1000)
