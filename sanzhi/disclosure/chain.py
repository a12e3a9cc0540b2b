"""The public hash chain of publications: canonical hashing, appending, and verification.

The rules are public and small, so anyone can check the chain from its JSON alone:

- ``content_hash`` = SHA-256 of the content as canonical JSON (keys sorted, no spaces, UTF-8,
  non-ASCII kept); content holds strings, integers, booleans, null, lists and objects only.
- ``hash`` = SHA-256 of the canonical JSON array ``[seq, kind, node_code, title, ref,
  content_hash, corrects, published_at, prev_hash]``, ``published_at`` in UTC as
  ``YYYY-MM-DDTHH:MM:SS.ffffffZ``, ``corrects`` the corrected item's seq or null.
- The first item's ``prev_hash`` is 64 zeros; every later one's is the hash of the item before;
  seqs run 1, 2, 3 … with no gap.

``verify_items`` walks any iterable of item dicts (from the database or from ``--url``) in
constant memory and names the first bad link.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanzhi.core.errors import ValidationFailed
from sanzhi.disclosure.models import GENESIS_HASH, Publication, PublicationHead

# The item fields the hash covers, in order. Adding one is a new chain version, never an edit.
LINK_FIELDS = (
    "seq",
    "kind",
    "node_code",
    "title",
    "ref",
    "content_hash",
    "corrects",
    "published_at",
    "prev_hash",
)


def canonical_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def content_hash(content: Any) -> str:
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


def timestamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def link_hash(item: dict[str, Any]) -> str:
    """The hash of one item (a dict with the LINK_FIELDS, ``published_at`` already a string)."""
    return hashlib.sha256(canonical_json([item[name] for name in LINK_FIELDS]).encode("utf-8")).hexdigest()


def check_content(value: Any, *, path: str = "content") -> None:
    """Content must survive a JSON round trip unchanged on both databases: no floats, no NaN."""
    if value is None or isinstance(value, (bool, str)):
        return
    if isinstance(value, int):
        return
    if isinstance(value, list):
        for index, element in enumerate(value):
            check_content(element, path=f"{path}[{index}]")
        return
    if isinstance(value, dict):
        for key, element in value.items():
            if not isinstance(key, str):
                raise ValidationFailed(
                    _("公开内容的键必须是文字"), code="content_invalid", data={"path": path}
                )
            check_content(element, path=f"{path}.{key}")
        return
    raise ValidationFailed(
        _("公开内容只能包含文字、整数、是否、列表和对象（金额请用分）"),
        code="content_invalid",
        data={"path": path, "type": type(value).__name__},
    )


def item_dict(publication: Publication) -> dict[str, Any]:
    """One publication as the public JSON serves it (and as ``link_hash`` reads it)."""
    return {
        "seq": publication.seq,
        "kind": publication.kind,
        "node_code": publication.node_code,
        "title": publication.title,
        "ref": publication.ref,
        "content": publication.content,
        "content_hash": publication.content_hash,
        "corrects": publication.corrects_id,
        "published_at": timestamp(publication.published_at),
        "prev_hash": publication.prev_hash,
        "hash": publication.hash,
    }


def _locked_head() -> PublicationHead:
    # The head row is made by the migration; a demo wipe deletes it with everything else.
    try:
        return PublicationHead.objects.select_for_update().get(pk=1)
    except PublicationHead.DoesNotExist:
        try:
            with transaction.atomic():
                PublicationHead.objects.create(pk=1)
        except IntegrityError:
            pass  # made by a concurrent first append
        return PublicationHead.objects.select_for_update().get(pk=1)


def append(
    *,
    kind: str,
    node: Any,
    title: str,
    ref: str,
    content: Any,
    actor: Any = None,
    corrects: Publication | None = None,
    now: dt.datetime | None = None,
) -> Publication:
    """Append one item to the chain (inside the caller's transaction, which owns the head's lock
    until it commits: publications are serialised, human-paced writes)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("chain.append must run inside a transaction")
    check_content(content)
    if corrects is not None and corrects.node_path != node.path:
        raise ValidationFailed(_("更正只能针对本单位发布的内容"), code="correction_elsewhere")
    head = _locked_head()
    published_at = now or timezone.now()
    publication = Publication(
        seq=head.seq + 1,
        kind=kind,
        node=node,
        node_path=node.path,
        node_code=node.code,
        title=title[:200],
        ref=ref,
        content=content,
        content_hash=content_hash(content),
        corrects=corrects,
        published_at=published_at,
        published_by=actor if getattr(actor, "is_authenticated", False) else None,
        prev_hash=head.hash,
    )
    publication.hash = link_hash(item_dict(publication))
    publication.save(force_insert=True)
    head.seq, head.hash = publication.seq, publication.hash
    head.save(update_fields=["seq", "hash"])
    return publication


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    problem: str  # content_mismatch / hash_mismatch / broken_link / missing_item / head_mismatch
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "problem": self.problem, "detail": self.detail}


def verify_items(
    items: Iterable[dict[str, Any]], *, head: tuple[int, str] | None = None
) -> tuple[int, ChainProblem | None]:
    """Walk items in seq order: (how many checked, the first problem or None).

    ``head`` (seq, hash), when known, must be where the chain ends: that catches a deleted tail.
    """
    expected_seq, prev, checked = 1, GENESIS_HASH, 0
    for item in items:
        seq = item.get("seq")
        if seq != expected_seq:
            return checked, ChainProblem(
                expected_seq, "missing_item", f"expected item #{expected_seq}, found #{seq}"
            )
        if item.get("prev_hash") != prev:
            return checked, ChainProblem(seq, "broken_link", "prev_hash is not the hash of the item before")
        # The content itself must be there: a chain served without it proves nothing about it.
        if "content" not in item or content_hash(item["content"]) != item.get("content_hash"):
            return checked, ChainProblem(
                seq, "content_mismatch", "the content does not match its content_hash"
            )
        if link_hash(item) != item.get("hash"):
            return checked, ChainProblem(seq, "hash_mismatch", "the item's fields do not match its hash")
        prev, expected_seq, checked = item["hash"], expected_seq + 1, checked + 1
    if head is not None and (head[0] != expected_seq - 1 or head[1] != prev):
        return checked, ChainProblem(
            expected_seq - 1,
            "head_mismatch",
            f"the head says #{head[0]}, the chain ends at #{expected_seq - 1}",
        )
    return checked, None


def stored_items(*, chunk: int = 5000) -> Iterator[dict[str, Any]]:
    """Every stored item in seq order, as public dicts, with a server-side cursor."""
    fields = (
        "seq",
        "kind",
        "node_code",
        "title",
        "ref",
        "content",
        "content_hash",
        "corrects_id",
        "published_at",
        "prev_hash",
        "hash",
    )
    for row in Publication.objects.order_by("seq").values_list(*fields).iterator(chunk_size=chunk):
        item = dict(zip(fields, row, strict=True))
        item["corrects"] = item.pop("corrects_id")
        item["published_at"] = timestamp(item["published_at"])
        yield item


def verify_stored(*, chunk: int = 5000) -> tuple[int, ChainProblem | None]:
    head = PublicationHead.objects.filter(pk=1).values_list("seq", "hash").first()
    return verify_items(stored_items(chunk=chunk), head=head or (0, GENESIS_HASH))
