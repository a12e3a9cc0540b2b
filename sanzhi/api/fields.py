"""Serializer fields for coded values: a code table entry is shown as both its code and its label."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


class CodeLabelSerializer(serializers.Serializer):
    """A coded value from a national code table (性别, 民族, 政治面貌, 与户主关系 …)."""

    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field, not Field.label


@extend_schema_field(CodeLabelSerializer(allow_null=True))
class CodeLabelField(serializers.Field):
    """Read-only ``{"code": "01", "label": "汉族"}``; an empty value is ``null``."""

    def __init__(self, choices: Iterable[tuple[str, Any]], **kwargs: Any) -> None:
        self.labels = dict(choices)
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value: str) -> dict[str, str] | None:
        if not value:
            return None
        return {"code": value, "label": str(self.labels.get(value, value))}
