"""The database side's COPY text of an import: prepared households and the reading process's
checked blocks gather here and go to the writer a few thousand residents at a time."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sanzhi.people.bulk import RegistryWriter

COPY_ROWS = 5_000  # residents prepared as COPY text sent per COPY


class CopyBuffer:
    """COPY text of the four tables (households, their tags, residents, their tags), with the
    households and residents it adds per node (the tree's counters) and in all."""

    def __init__(self, writer: RegistryWriter) -> None:
        self.writer = writer
        self._texts: tuple[list[str], list[str], list[str], list[str]] = ([], [], [], [])
        self._nodes: tuple[Counter[int], Counter[int]] = (Counter(), Counter())
        self._counts = [0, 0]

    def add_household(self, texts: tuple[str, str, str, str], node_id: int, size: int) -> None:
        """One prepared household (``FileHousehold.copy_*``) of ``size`` residents."""
        self._append(texts)
        self._nodes[0][node_id] += 1
        self._nodes[1][node_id] += size
        self._count(1, size)

    def add_block(self, block: Any) -> None:
        """A checked block (``importing_blocks.CopyBlock``), encoded here."""
        self._append(block.texts())
        household_nodes, resident_nodes = block.nodes()
        self._nodes[0].update(household_nodes)
        self._nodes[1].update(resident_nodes)
        self._count(block.n_households, block.n_residents)

    def flush(self) -> None:
        households, household_tags, residents, resident_tags = self._texts
        if not households:
            return
        self.writer.write_copy_text(
            households="".join(households),
            household_tags="".join(household_tags),
            residents="".join(residents),
            resident_tags="".join(resident_tags),
            household_nodes=self._nodes[0],
            resident_nodes=self._nodes[1],
            n_households=self._counts[0],
            n_residents=self._counts[1],
        )
        self._texts = ([], [], [], [])
        self._nodes = (Counter(), Counter())
        self._counts = [0, 0]

    def _append(self, texts: tuple[str, str, str, str]) -> None:
        for gathered, text in zip(self._texts, texts, strict=True):
            gathered.append(text)

    def _count(self, households: int, residents: int) -> None:
        self._counts[0] += households
        self._counts[1] += residents
        if self._counts[1] >= COPY_ROWS:
            self.flush()


__all__ = ["COPY_ROWS", "CopyBuffer"]
