"""Entry point of the import's reading process (importing_process). Imports nothing of Django at
module level: under ``spawn`` the child unpickles its target before Django is set up, so the
arguments travel as bytes and are unpickled only after ``django.setup()``."""

from __future__ import annotations

import os
import pickle
from typing import Any


def boot(data: Any, ids: Any, settings_module: str, payload: bytes) -> None:
    from django.apps import apps

    if not apps.ready:  # spawn: a fresh interpreter
        os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
        import django

        django.setup()
    from sanzhi.people.importing_process import child_main

    child_main(data, ids, pickle.loads(payload))
