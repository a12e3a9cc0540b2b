"""检索: Chinese substring search over a ticket's title and text, scoped like every ticket list.

Chinese has no spaces between words, so search is by substring, and two-character words (垃圾, 路灯,
漏水) are the commonest queries. Each whitespace-separated term must occur (AND):

PostgreSQL   >= 3 characters: ``lower(title || ' ' || text) LIKE '%term%'`` with a pg_trgm GIN index
             (a trigram index answers any substring of three or more characters).
             2 characters: trigrams cannot (the pattern has none), so a stored generated column
             ``search_bigrams`` holds each row's character bigrams, with a GIN index:
             ``search_bigrams @> ARRAY[term]``.
             1 character: strpos, a scan bounded by the page (newest first).
SQLite       >= 3 characters: an FTS5 table with the ``trigram`` tokenizer (external content, kept in
             step by triggers). <= 2 characters: LIKE, a scan bounded by the page; SQLite serves one
             township, where that scan is a few tens of milliseconds (bench/search_bench.py).

The database objects are created by migration 0003_ticket_search through ``install_search_objects``;
``repair_search_objects`` runs after every ``migrate`` because SQLite drops a table's triggers when a
later migration rebuilds ``tickets_ticket`` (its ALTER TABLE is a copy-and-rename).
"""

from __future__ import annotations

from typing import Any

from django.db import connection as default_connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL

from sanzhi.core.fields import subtree_q
from sanzhi.grids.models import Node
from sanzhi.tickets.models import Ticket
from sanzhi.tickets.selectors import ticket_list_for, visible_q

MAX_TERMS = 5
MAX_TERM_LENGTH = 50
TABLE = Ticket._meta.db_table

# ---------------------------------------------------------------- database objects

_PG_INSTALL = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    # Every pair of adjacent characters (lower case) of a text: the pairs at even offsets, then those
    # at odd offsets, split on chr(1). Pairs with whitespace and odd single characters come along as
    # keys no query term can ask for. Built-in string functions only: SQL loops cost ~1 ms a row.
    r"""
    CREATE OR REPLACE FUNCTION sanzhi_bigrams(doc text) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
      SELECT string_to_array(
        regexp_replace(lower(doc), '(..)', '\1' || chr(1), 'g') || chr(1) ||
        regexp_replace(substr(lower(doc), 2), '(..)', '\1' || chr(1), 'g'), chr(1))
    $$
    """,
    # Stored, not an expression index: the function costs ~0.1 ms a row, paid once per write here,
    # whereas a plan that filters rows with an index expression would pay it for every row it reads.
    # (A later migration that changes the type of title or text must drop and re-add this column:
    # drop_search_objects / install_search_objects.)
    f"""ALTER TABLE {TABLE} ADD COLUMN IF NOT EXISTS search_bigrams text[]
        GENERATED ALWAYS AS (sanzhi_bigrams(title || ' ' || text)) STORED""",
    f"CREATE INDEX IF NOT EXISTS ticket_search_bigram_idx ON {TABLE} USING gin (search_bigrams)",
    # lower() + LIKE rather than ILIKE: the same index use, half the cost for each row a plan
    # filters (ILIKE folds case character by character).
    f"""CREATE INDEX IF NOT EXISTS ticket_search_trgm_idx ON {TABLE}
        USING gin (lower(title || ' ' || text) gin_trgm_ops)""",
    # Finer statistics so the planner knows a common phrase from a rare one: it then reads newest
    # first and stops at the page for the one, and goes through the index for the other.
    "ALTER INDEX ticket_search_trgm_idx ALTER COLUMN 1 SET STATISTICS 1000",
    f"ALTER TABLE {TABLE} ALTER COLUMN search_bigrams SET STATISTICS 1000",
    f"ANALYZE {TABLE}",
]
_PG_DROP = [
    "DROP INDEX IF EXISTS ticket_search_bigram_idx",
    "DROP INDEX IF EXISTS ticket_search_trgm_idx",
    f"ALTER TABLE {TABLE} DROP COLUMN IF EXISTS search_bigrams",
    "DROP FUNCTION IF EXISTS sanzhi_bigrams(text)",
    # The extension stays: other objects of the database may use it.
]

_SQLITE_TABLE = f"""CREATE VIRTUAL TABLE IF NOT EXISTS ticket_search USING fts5(
    title, text, content='{TABLE}', content_rowid='id', tokenize='trigram')"""
_SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER IF NOT EXISTS ticket_search_ai AFTER INSERT ON {TABLE} BEGIN
      INSERT INTO ticket_search(rowid, title, text) VALUES (new.id, new.title, new.text);
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS ticket_search_ad AFTER DELETE ON {TABLE} BEGIN
      INSERT INTO ticket_search(ticket_search, rowid, title, text)
        VALUES ('delete', old.id, old.title, old.text);
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS ticket_search_au AFTER UPDATE OF title, text ON {TABLE} BEGIN
      INSERT INTO ticket_search(ticket_search, rowid, title, text)
        VALUES ('delete', old.id, old.title, old.text);
      INSERT INTO ticket_search(rowid, title, text) VALUES (new.id, new.title, new.text);
    END""",
]
_SQLITE_TRIGGER_NAMES = ("ticket_search_ai", "ticket_search_ad", "ticket_search_au")
_SQLITE_DROP = [
    *(f"DROP TRIGGER IF EXISTS {name}" for name in _SQLITE_TRIGGER_NAMES),
    "DROP TABLE IF EXISTS ticket_search",
]


def _execute(connection: BaseDatabaseWrapper, statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def install_search_objects(connection: BaseDatabaseWrapper) -> None:
    """Create the search index (and fill it from existing tickets)."""
    if connection.vendor == "postgresql":
        _execute(connection, _PG_INSTALL)
    elif connection.vendor == "sqlite":
        _execute(connection, [_SQLITE_TABLE, *_SQLITE_TRIGGERS])
        _execute(connection, ["INSERT INTO ticket_search(ticket_search) VALUES ('rebuild')"])


def drop_search_objects(connection: BaseDatabaseWrapper) -> None:
    if connection.vendor == "postgresql":
        _execute(connection, _PG_DROP)
    elif connection.vendor == "sqlite":
        _execute(connection, _SQLITE_DROP)


def repair_search_objects(connection: BaseDatabaseWrapper) -> bool:
    """Re-create SQLite triggers a table rebuild dropped, and re-index; True when it had to."""
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger') AND name IN (%s, %s, %s, %s)",
            ["ticket_search", *_SQLITE_TRIGGER_NAMES],
        )
        present = {row[0] for row in cursor.fetchall()}
    if "ticket_search" not in present or present >= {"ticket_search", *_SQLITE_TRIGGER_NAMES}:
        return False  # before migration 0003, or intact
    install_search_objects(connection)
    return True


def repair_after_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    from django.db import connections

    repair_search_objects(connections[using])


# ---------------------------------------------------------------- queries


def query_terms(q: str) -> list[str]:
    """Whitespace-separated terms, lower-cased, at most MAX_TERMS of at most MAX_TERM_LENGTH chars."""
    terms: list[str] = []
    for raw in (q or "").split():
        term = raw.lower()[:MAX_TERM_LENGTH]
        if term and term not in terms:
            terms.append(term)
    return terms[:MAX_TERMS]


def _like_escape(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _fts_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


# How PostgreSQL answers terms of three or more characters: "trgm" (ILIKE over the pg_trgm index)
# or "bigram" (the stored bigrams all present, then the substring itself). bench/search_bench.py
# measures both.
PG_LONG_TERMS = "trgm"


def term_bigrams(term: str) -> list[str]:
    return sorted({term[i : i + 2] for i in range(len(term) - 1)})


def term_filter(term: str, vendor: str | None = None, long_terms: str | None = None) -> Q | RawSQL:
    """The condition "``term`` occurs in the title or the text", in the vendor's indexed form."""
    vendor = vendor or default_connection.vendor
    if vendor == "postgresql":
        doc = f'("{TABLE}"."title" || \' \' || "{TABLE}"."text")'
        bigrams = f'"{TABLE}"."search_bigrams"'
        if len(term) == 1:
            return RawSQL(f"strpos(lower({doc}), %s) > 0", [term], output_field=BooleanField())
        if len(term) == 2:
            return RawSQL(f"{bigrams} @> ARRAY[%s]::text[]", [term], output_field=BooleanField())
        if (long_terms or PG_LONG_TERMS) == "bigram":
            return RawSQL(
                f"{bigrams} @> %s::text[] AND strpos(lower({doc}), %s) > 0",
                [term_bigrams(term), term],
                output_field=BooleanField(),
            )
        return RawSQL(f"lower({doc}) LIKE %s", [f"%{_like_escape(term)}%"], output_field=BooleanField())
    if vendor == "sqlite" and len(term) >= 3:
        return Q(
            pk__in=RawSQL("SELECT rowid FROM ticket_search WHERE ticket_search MATCH %s", [_fts_phrase(term)])
        )
    return Q(title__icontains=term) | Q(text__icontains=term)


MAX_RESULTS = 50


def search_matches(
    *, user: Any, q: str, under: Node | None = None, long_terms: str | None = None
) -> QuerySet[Ticket]:
    """The ticket table alone, filtered by scope and terms, newest first (ids are what it is for)."""
    terms = query_terms(q)
    matches = Ticket.objects.filter(visible_q(user)) if terms else Ticket.objects.none()
    if under is not None:
        matches = matches.filter(subtree_q("node_path", under.path))
    for term in terms:
        matches = matches.filter(term_filter(term, long_terms=long_terms))
    return matches.order_by("-id")


def ticket_search_for(
    *,
    user: Any,
    q: str,
    under: Node | None = None,
    limit: int = MAX_RESULTS,
    long_terms: str | None = None,
) -> QuerySet[Ticket]:
    """Tickets the user may see whose title or text contains every term of ``q``: the newest
    ``limit`` of them (at most 1000), newest first. Page within them; a search that needs more is
    too vague, and every extra row costs a common word's scan.

    An empty query finds nothing (a list page shows ``ticket_list_for`` instead). The ids are
    chosen first from the ticket table alone (``search_matches``) and only they are joined to their
    category, node and assignee: joined first, a common word would drag every matching row through
    the joins. Two queries, not a subquery: the term filters name the ticket table itself (an index
    expression must match), which a subquery would alias. The ids are read when this is called."""
    matches = search_matches(user=user, q=q, under=under, long_terms=long_terms)
    newest = list(matches.values_list("pk", flat=True)[: max(1, min(limit, 1000))])
    return ticket_list_for(user=user).filter(pk__in=newest)


__all__ = [
    "drop_search_objects",
    "install_search_objects",
    "query_terms",
    "repair_search_objects",
    "search_matches",
    "term_filter",
    "ticket_search_for",
]
