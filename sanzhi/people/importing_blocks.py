"""The reading process's blocks of good households (importing_fast): checked columns on the way
to the database side, which encodes them as COPY text."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from itertools import repeat

from sanzhi.people.importing_sink import FileHousehold

_NULL = "\\N"  # NULL in COPY text


@dataclass
class CopyBlock:
    """Good households of a batch, checked, in column form; the database side turns them into COPY
    text (``texts``): on two cores that side has time to spare while the reading process is the
    critical path.

    Per household: ids, ``numbers``, nodes, addresses, tags, ``first_rows`` and ``sizes``
    (residents); per resident: ids, the resident columns (``RESIDENT_COLUMNS`` order), tags, and
    ``rows`` (empty when the database side has no registry to check against). ``explode`` turns a
    block back into prepared ``FileHousehold`` objects, for the rare block the registry refuses.
    """

    stamp: str
    household_ids: list[int]
    numbers: list[str | None]
    node_ids: list[int]
    paths: list[str]
    addresses: list[str]
    household_tags: list[tuple[int, ...]]
    first_rows: list[int]
    sizes: list[int]
    resident_ids: list[int]
    # Each resident column joined by tabs (no checked value holds a tab): a few long strings
    # cross the pipe far cheaper than a list per column.
    columns: list[str]
    resident_tags: list[tuple[int, ...]]
    rows: list[int]

    @property
    def n_households(self) -> int:
        return len(self.household_ids)

    @property
    def n_residents(self) -> int:
        return len(self.resident_ids)

    @property
    def ids(self) -> list[str]:
        return self.columns[_ID_AT].split("\t")

    def nodes(self) -> tuple[Counter[int], Counter[int]]:
        """Households and residents per node (the rollup counters)."""
        households: Counter[int] = Counter(self.node_ids)
        residents: Counter[int] = Counter()
        for node_id, size in zip(self.node_ids, self.sizes, strict=True):
            residents[node_id] += size
        return households, residents

    def texts(self) -> tuple[str, str, str, str]:
        """(households, household tags, residents, resident tags) as COPY text, exactly the lines
        ``copy_household_line`` / ``copy_resident_line`` give."""
        stamp = self.stamp
        hids = self.household_ids
        households = "".join(
            f"{hid}\t{stamp}\t{stamp}\t{_NULL if number is None else number}\t{node}\t{path}\t{address}"
            "\tfamily\n"
            for hid, number, node, path, address in zip(
                hids, self.numbers, self.node_ids, self.paths, self.addresses, strict=True
            )
        )
        household_tags = "".join(
            f"{hid}\t{t}\n" for hid, ts in zip(hids, self.household_tags, strict=True) for t in ts
        )
        member_hids: list[str] = []
        member_paths: list[str] = []
        for hid, path, size in zip(hids, self.paths, self.sizes, strict=True):
            member_hids.extend(repeat(str(hid), size))
            member_paths.extend(repeat(path, size))
        c = [column.split("\t") for column in self.columns]
        lines = map(
            "\t".join,
            zip(
                map(str, self.resident_ids),
                repeat(stamp),
                repeat(stamp),
                member_hids,
                member_paths,
                *c[:_PARTY_ORG_AT],
                repeat(_NULL),
                *c[_PARTY_ORG_AT:],
                strict=False,  # (the repeats are endless)
            ),
        )
        residents = "\n".join(lines) + "\n"
        resident_tags = "".join(
            f"{rid}\t{t}\n" for rid, ts in zip(self.resident_ids, self.resident_tags, strict=True) for t in ts
        )
        return households, household_tags, residents, resident_tags

    def id_rows(self) -> list[tuple[str, int]]:
        return list(zip(self.ids, self.rows, strict=True))

    def explode(self) -> list[FileHousehold]:
        households, household_tags, residents, resident_tags = self.texts()
        household_lines = households.splitlines(keepends=True)
        resident_lines = residents.splitlines(keepends=True)
        household_tag_lines = household_tags.splitlines(keepends=True)
        resident_tag_lines = resident_tags.splitlines(keepends=True)
        id_rows = self.id_rows()
        ids = self.ids
        out = []
        r = ht = rt = 0
        for i, size in enumerate(self.sizes):
            number = self.numbers[i]
            key = "#" + number if number else "@" + ids[r]
            h = FileHousehold(key, number or "", self.first_rows[i])
            h.number = number
            h.node_id = self.node_ids[i]
            h.rows = self.rows[r : r + size]
            h.copy_household = household_lines[i]
            n = len(self.household_tags[i])
            h.copy_household_tags = "".join(household_tag_lines[ht : ht + n])
            ht += n
            h.copy_residents = "".join(resident_lines[r : r + size])
            n = sum(map(len, self.resident_tags[r : r + size]))
            h.copy_resident_tags = "".join(resident_tag_lines[rt : rt + n])
            rt += n
            h.member_ids = id_rows[r : r + size]
            h.n_members = size
            r += size
            out.append(h)
        return out


# The resident columns a block carries, in COPY order (bulk._RESIDENT_COLUMNS after the ids, the
# times, the household and the path; party_org_id, always NULL here, is added when encoding).
RESIDENT_COLUMNS = (
    "name",
    "id_type",
    "id_number",
    "sex",
    "birth",
    "phone",
    "relation",
    "ethnicity",
    "political",
    "education",
    "marital",
    "occupation",
    "residence",
    "registered",
)
_ID_AT = RESIDENT_COLUMNS.index("id_number")
_PARTY_ORG_AT = RESIDENT_COLUMNS.index("political") + 1


__all__ = ["RESIDENT_COLUMNS", "CopyBlock"]
