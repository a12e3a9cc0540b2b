"""docs/roles.md is the matrix in GRANTS, cell for cell."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from sanzhi.accounts.roles import GRANTS, Capability, Role
from sanzhi.accounts.roles_doc import NO, YES, render_markdown

DOC = Path(settings.BASE_DIR) / "docs" / "roles.md"


def test_doc_is_the_rendering_of_grants() -> None:
    assert DOC.read_text(encoding="utf-8") == render_markdown(), (
        "docs/roles.md is stale: python -m sanzhi.accounts.roles_doc > docs/roles.md"
    )


def test_doc_tables_match_grants_cell_by_cell() -> None:
    """Parse both tables back (independently of the renderer) and compare with GRANTS."""
    text = DOC.read_text(encoding="utf-8")
    tables = [block for block in text.split("\n\n") if block.startswith("| ")]
    assert len(tables) == 2  # Chinese first, then English
    assert text.index("## 中文") < text.index("## English")
    roles = list(Role)
    for table in tables:
        rows = table.splitlines()[2:]
        assert len(rows) == len(Capability)
        for row, cap in zip(rows, Capability, strict=True):
            cells = [c.strip() for c in row.strip("|").split("|")]
            assert f"`{cap.value}`" in cells[0]
            for role, cell in zip(roles, cells[1:], strict=True):
                assert cell in (YES, NO)
                assert (cell == YES) is (cap.value in GRANTS[role]), (cap.value, role)
