"""Chinese is the source language; English must be complete.

The English catalog is regenerated from the code into a temporary folder with exactly the command the
committed catalog is maintained with (``REGENERATE``: Django's makemessages run in sanzhi/, GNU gettext),
and every message found must have a non-fuzzy English translation in the committed catalog, whose
compiled .mo must be current. Because xgettext cannot see a gettext call nested in an f-string or made
through an alias it does not know (``gettext_noop as N_``), the Python sources are also read directly.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import polib
from django.utils import translation

ROOT = Path(__file__).resolve().parents[3]
SOURCE = ROOT / "sanzhi"
CATALOG = SOURCE / "locale" / "en" / "LC_MESSAGES" / "django.po"
# Run from SOURCE, as in REGENERATE; there are no JavaScript translations, hence only the "django" domain.
IGNORES = ("static/vendor/*", "*/tests/*", "locale/*")
MAKEMESSAGES = ["makemessages", "-l", "en", "-d", "django", *(f"--ignore={p}" for p in IGNORES)]
REGENERATE = (
    f"cd sanzhi && python ../manage.py {' '.join(MAKEMESSAGES)} --no-obsolete, translate the new or fuzzy"
    " entries, then cd .. && python manage.py compilemessages -l en"
)

Key = tuple[str | None, str, str | None]  # (msgctxt, msgid, msgid_plural)


def _key(entry: polib.POEntry | polib.MOEntry) -> Key:
    return (entry.msgctxt or None, entry.msgid, entry.msgid_plural or None)


def _translated_keys() -> set[Key]:
    committed = polib.pofile(str(CATALOG))
    keys = set()
    for e in committed:
        if e.obsolete or "fuzzy" in e.flags or not e.translated():
            continue
        if e.msgid_plural and len(e.msgstr_plural) != 2:  # Plural-Forms: nplurals=2
            continue
        keys.add(_key(e))
    return keys


def _extract(tmp_path: Path) -> polib.POFile:
    """makemessages over a copy of sanzhi/ without its locale/ folder: run in the real folder it would
    write into the committed catalog (Django adds ./locale to the catalog paths)."""
    copy = tmp_path / "src" / "sanzhi"
    shutil.copytree(
        SOURCE,
        copy,
        ignore=lambda folder, names: [
            n for n in names if n == "__pycache__" or (Path(folder) == SOURCE and n == "locale")
        ],
    )
    (tmp_path / "locale").mkdir()
    (tmp_path / "i18n_settings.py").write_text(
        textwrap.dedent(
            f"""
            from sanzhi.settings import *  # noqa: F403
            LOCALE_PATHS = [{str(tmp_path / "locale")!r}]
            """
        ),
        encoding="utf-8",
    )
    env = {
        **os.environ,
        "PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}",
        "DJANGO_SETTINGS_MODULE": "i18n_settings",
    }
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *MAKEMESSAGES],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, f"makemessages failed:\n{done.stdout}\n{done.stderr}"
    return polib.pofile(str(tmp_path / "locale" / "en" / "LC_MESSAGES" / "django.po"))


def test_every_message_has_an_english_translation(tmp_path: Path) -> None:
    found = _extract(tmp_path)
    assert len(found) > 100, "makemessages found almost nothing: is the extraction looking in sanzhi/?"
    translated = _translated_keys()
    missing = [e.msgid for e in found if _key(e) not in translated]
    assert not missing, f"{len(missing)} messages lack English ({REGENERATE}): {missing[:20]}"


# Django's makemessages keywords (xgettext --keyword=...): function -> (context arg, message args).
GETTEXT_FUNCTIONS = {
    "gettext": (None, (0,)),
    "gettext_lazy": (None, (0,)),
    "gettext_noop": (None, (0,)),
    "ngettext": (None, (0, 1)),
    "ngettext_lazy": (None, (0, 1)),
    "pgettext": (0, (1,)),
    "pgettext_lazy": (0, (1,)),
    "npgettext": (0, (1, 2)),
    "npgettext_lazy": (0, (1, 2)),
}


def _gettext_calls(path: Path) -> Iterator[tuple[Key, int]]:
    """Every gettext call with literal arguments, through whatever name it was imported as."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
            for alias in node.names:
                if alias.name in GETTEXT_FUNCTIONS:
                    names[alias.asname or alias.name] = alias.name
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name):
            function = names.get(func.id)
        elif isinstance(func, ast.Attribute):  # translation.gettext(...)
            function = func.attr
        else:
            continue
        if function not in GETTEXT_FUNCTIONS:
            continue
        ctx_arg, msg_args = GETTEXT_FUNCTIONS[function]
        literals = [
            a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None for a in node.args
        ]
        wanted = ([ctx_arg] if ctx_arg is not None else []) + list(msg_args)
        if len(literals) <= max(wanted) or any(literals[i] is None for i in wanted):
            continue  # gettext(variable): the literal is marked where it is written
        ctx = literals[ctx_arg] if ctx_arg is not None else None
        msgid = literals[msg_args[0]]
        plural = literals[msg_args[1]] if len(msg_args) > 1 else None
        assert msgid is not None
        yield (ctx, msgid, plural), node.lineno


def test_python_sources_have_no_message_xgettext_cannot_see() -> None:
    translated = _translated_keys()
    missing = []
    for path in sorted(SOURCE.rglob("*.py")):
        relative = path.relative_to(SOURCE)
        if "tests" in relative.parts or "migrations" in relative.parts or relative.parts[0] == "locale":
            continue
        missing += [f"{relative}:{n} {key[1]}" for key, n in _gettext_calls(path) if key not in translated]
    assert not missing, (
        "messages in the code lack English; if makemessages did not collect them, move the gettext call "
        f"out of the f-string or import it under its own name: {missing[:20]}"
    )


def test_catalog_passes_msgfmt_checks(tmp_path: Path) -> None:
    """Placeholders ({name}, %(name)s) and the header agree with GNU gettext's format checks."""
    done = subprocess.run(
        ["msgfmt", "--check", "-o", str(tmp_path / "check.mo"), str(CATALOG)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "warning" not in done.stderr, done.stderr


def test_compiled_catalog_is_current() -> None:
    compiled = polib.mofile(str(CATALOG.with_suffix(".mo")))
    source = polib.pofile(str(CATALOG))

    def table(entries: list[polib.POEntry] | polib.MOFile) -> dict[Key, tuple[str, dict[int, str]]]:
        return {
            _key(e): (e.msgstr, {int(k): v for k, v in e.msgstr_plural.items()})
            for e in entries
            if e.msgid and "fuzzy" not in e.flags
        }

    assert table(compiled) == table(source.translated_entries()), f"django.mo is stale: {REGENERATE}"


def test_english_switch_translates_a_domain_message() -> None:
    from sanzhi.people.idnumber import check_id_number

    with translation.override("en"):
        english = str(check_id_number("123").error)
    with translation.override("zh-hans"):
        chinese = str(check_id_number("123").error)
    assert "18" in english and english != chinese
    assert chinese.startswith("身份证号")


def test_the_same_chinese_word_can_mean_two_things_in_english() -> None:
    """女 is both a sex and a relation to the head of household; a message context tells them apart."""
    from sanzhi.people.codes import Relation, Sex

    with translation.override("en"):
        assert (str(Sex.FEMALE.label), str(Relation.DAUGHTER.label)) == ("Female", "Daughter")
    with translation.override("zh-hans"):
        assert str(Sex.FEMALE.label) == str(Relation.DAUGHTER.label) == "女"
