"""GeoReport v2 bodies in both formats the spec names: ``.json`` and ``.xml`` (UTF-8, with declaration).

A body is plain data (dicts, lists, scalars). In XML a list becomes repeated child elements named by
``ITEM_TAGS`` (``services`` → ``service``, ``service_requests`` → ``request`` …), ``None`` an empty
element and booleans ``true``/``false``, as in the spec's examples.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

from django.http import HttpResponse

FORMATS = ("json", "xml")
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
}


class Open311Error(Exception):
    """An error as the spec answers it: HTTP status, and ``[{code, description}]``."""

    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status = status
        self.description = description


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _append(parent: ET.Element, tag: str, value: Any) -> None:
    element = ET.SubElement(parent, tag)
    _fill(element, tag, value)


def _fill(element: ET.Element, tag: str, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, dict):
        for key, child in value.items():
            _append(element, key, child)
    elif isinstance(value, list | tuple):
        item_tag = ITEM_TAGS.get(tag, "item")
        for child in value:
            _append(element, item_tag, child)
    else:
        element.text = _text(value)


def to_xml(root: str, body: Any) -> bytes:
    element = ET.Element(root)
    _fill(element, root, body)
    return ET.tostring(element, encoding="utf-8", xml_declaration=True)


def render(fmt: str, root: str, body: Any, status: int = 200) -> HttpResponse:
    """``root`` names the XML document element; JSON carries the body as it is (list or object)."""
    content = json.dumps(body, ensure_ascii=False).encode("utf-8") if fmt == "json" else to_xml(root, body)
    return HttpResponse(content, status=status, content_type=CONTENT_TYPES[fmt])


def render_errors(fmt: str, status: int, *descriptions: str) -> HttpResponse:
    return render(fmt, "errors", [{"code": status, "description": d} for d in descriptions], status=status)
