"""智能分派: category and department suggestions from a ticket's text.

Before there is history, keyword rules (``Category.keywords``) suggest. ``sanzhi train-router`` then
learns from the deployment's own decisions: the category a dispatcher fixed at 立案 and the
department a ticket ended at. The model is a character n-gram (1–3) TF-IDF with a logistic
regression per target: Chinese needs no word segmentation for it, and it learns local words
(小区 names, 方言) the keyword lists never had. Dispatchers' overrides are simply the next training
data; the suggestion shown is kept in the 立案 event (``suggestion_data``) so the report can say how
often dispatchers disagreed with it.

The model is stored in the database (``RouterModel``: joblib bytes) so every web process and worker
uses the same one; each process loads the newest row once and keeps it keyed by the row id.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from sanzhi.grids.models import Node
from sanzhi.tickets.models import Category, Department, RouterModel, Ticket, TicketEvent
from sanzhi.tickets.states import Action, State

TARGETS = ("category", "department")
DEFAULT_MIN_SAMPLES = 50
DEFAULT_MAX_SAMPLES = 200_000
MODEL_FORMAT = 1
_EXCLUDED_STATES = (State.VOID, State.MERGED)  # not decisions anyone should learn from

# ---------------------------------------------------------------- the model in this process

_lock = threading.Lock()
_cache: dict[int, dict[str, Any]] = {}


def clear_cache() -> None:
    with _lock:
        _cache.clear()


def _load(row_id: int) -> dict[str, Any]:
    import joblib

    blob = RouterModel.objects.values_list("model", flat=True).get(pk=row_id)
    # joblib is pickle: only ever load bytes this installation wrote into its own database.
    return dict(joblib.load(io.BytesIO(bytes(blob))))


def current_model() -> tuple[int, dict[str, Any]] | None:
    """(row id, {"category": pipeline|None, "department": pipeline|None}) of the newest model."""
    row_id = RouterModel.objects.order_by("-id").values_list("id", flat=True).first()
    if row_id is None:
        return None
    with _lock:
        model = _cache.get(row_id)
    if model is None:
        model = _load(row_id)
        with _lock:
            _cache.clear()  # one model per process: the old one is garbage
            _cache[row_id] = model
    return row_id, model


# ---------------------------------------------------------------- keyword rules (the fallback)

_WORD_SPLIT = re.compile(r"[\s,，、;；]+")


def keyword_scores(text: str) -> dict[int, float]:
    """category id → share of the matched keyword weight (longer keywords weigh more)."""
    text = (text or "").lower()
    raw: dict[int, float] = {}
    for pk, keywords in (
        Category.objects.filter(active=True).exclude(keywords="").values_list("pk", "keywords")
    ):
        weight = sum(len(word) for word in _WORD_SPLIT.split(keywords.lower()) if word and word in text)
        if weight:
            raw[pk] = float(weight)
    total = sum(raw.values())
    return {pk: weight / total for pk, weight in raw.items()} if total else {}


def _top(scores: dict[int, float], limit: int) -> list[tuple[int, float]]:
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]


# ---------------------------------------------------------------- suggestions


def _model_scores(pipeline: Any, text: str) -> dict[int, float]:
    proba = pipeline.predict_proba([text])[0]
    return {int(label): float(p) for label, p in zip(pipeline.classes_, proba, strict=True)}


def category_scores(text: str) -> tuple[dict[int, float], str]:
    """Scores per category id and where they came from: "model:<id>", "keywords" or ""."""
    loaded = current_model()
    if loaded is not None and loaded[1].get("category") is not None:
        return _model_scores(loaded[1]["category"], text), f"model:{loaded[0]}"
    scores = keyword_scores(text)
    return scores, "keywords" if scores else ""


def suggest_category(text: str, *, limit: int = 3) -> list[tuple[Category, float]]:
    """The likeliest active categories for ``text``, best first, with a score in 0 … 1."""
    scores, _source = category_scores(text)
    if not scores:
        return []
    ranked = _top(scores, limit * 3)
    by_pk = (
        Category.objects.select_related("parent", "department")
        .filter(active=True)
        .in_bulk([pk for pk, _s in ranked])
    )
    return [(by_pk[pk], round(score, 4)) for pk, score in ranked if pk in by_pk and score > 0][:limit]


def departments_serving(node: Node) -> dict[int, Department]:
    """Active departments whose jurisdiction contains ``node``."""
    prefixes = [node.path[:i] for i in range(node.steplen, len(node.path) + 1, node.steplen)]
    return Department.objects.filter(active=True, node_path__in=prefixes).in_bulk()


def suggest_department(text: str, node: Node, *, limit: int = 3) -> list[tuple[Department, float]]:
    """The likeliest departments (of those serving ``node``) for ``text``; from the model when it
    has learned departments, else from the suggested categories' responsible departments."""
    serving = departments_serving(node)
    if not serving:
        return []
    loaded = current_model()
    scores: dict[int, float] = {}
    if loaded is not None and loaded[1].get("department") is not None:
        scores = {pk: s for pk, s in _model_scores(loaded[1]["department"], text).items() if pk in serving}
    if not scores:
        for category, score in suggest_category(text, limit=5):
            department_id = category.department_id or (
                category.parent.department_id if category.parent is not None else None
            )
            if department_id in serving:
                scores[department_id] = scores.get(department_id, 0.0) + score
    return [(serving[pk], round(score, 4)) for pk, score in _top(scores, limit) if score > 0]


def suggestion_data(text: str) -> dict[str, str]:
    """What the dispatcher is shown, for the 立案 event: {"suggested": code, "suggested_by": …}."""
    scores, source = category_scores(text)
    if not scores:
        return {}
    active = Category.objects.filter(active=True, pk__in=[pk for pk, _s in _top(scores, 10)])
    codes = dict(active.values_list("pk", "code"))
    for pk, _score in _top(scores, 10):
        if pk in codes:
            return {"suggested": codes[pk], "suggested_by": source}
    return {}


# ---------------------------------------------------------------- training


@dataclass
class TargetResult:
    target: str
    samples: int = 0
    classes: int = 0
    trained: bool = False
    reason: str = ""  # why not trained
    test_samples: int = 0
    top1: float | None = None
    top3: float | None = None
    # Keyword rules on the same held-out texts (category only), for comparison.
    keywords_top1: float | None = None


@dataclass
class TrainResult:
    targets: dict[str, TargetResult] = field(default_factory=dict)
    row: RouterModel | None = None
    seconds: float = 0.0


def training_rows(target: str, *, max_samples: int = DEFAULT_MAX_SAMPLES) -> tuple[list[str], list[int]]:
    """(texts, labels) of the newest decisions: registered tickets' categories, or the departments
    tickets ended at."""
    tickets = Ticket.objects.exclude(state__in=_EXCLUDED_STATES)
    if target == "category":
        rows = tickets.filter(registered_at__isnull=False, category__isnull=False).values_list(
            "title", "text", "category_id"
        )
    else:
        rows = tickets.filter(department__isnull=False).values_list("title", "text", "department_id")
    texts: list[str] = []
    labels: list[int] = []
    for title, text, label in rows.order_by("-id")[:max_samples].iterator(chunk_size=5000):
        texts.append(f"{title} {text}")
        labels.append(int(label))
    return texts, labels


def make_pipeline() -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    return Pipeline(
        [
            (
                "tfidf",
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=(1, 3),
                    sublinear_tf=True,
                    max_features=300_000,
                ),
            ),
            ("clf", LogisticRegression(C=10.0, max_iter=500)),
        ]
    )


def _top_k_accuracy(proba: Any, classes: Sequence[int], truth: Sequence[int], k: int) -> float:
    import numpy as np

    order = np.argsort(-proba, axis=1)[:, :k]
    top = np.asarray(classes)[order]
    hits = sum(1 for row, label in zip(top, truth, strict=True) if label in row)
    return hits / len(truth) if len(truth) else 0.0


def _keyword_top1(texts: Sequence[str], truth: Sequence[int]) -> float:
    hits = 0
    for text, label in zip(texts, truth, strict=True):
        ranked = _top(keyword_scores(text), 1)
        hits += bool(ranked and ranked[0][0] == label)
    return hits / len(truth) if truth else 0.0


def _fit_target(
    target: str, texts: list[str], labels: list[int], *, min_samples: int, test_size: float, seed: int
) -> tuple[TargetResult, Any]:
    from collections import Counter

    result = TargetResult(target=target)
    counts = Counter(labels)
    # A class seen once can be neither learned nor tested: leave it to the keywords.
    keep = [i for i, label in enumerate(labels) if counts[label] >= 2]
    texts = [texts[i] for i in keep]
    labels = [labels[i] for i in keep]
    result.samples = len(labels)
    result.classes = len(set(labels))
    if result.samples < min_samples:
        result.reason = "too_few_samples"
        return result, None
    if result.classes < 2:
        result.reason = "one_class"
        return result, None
    from sklearn.model_selection import train_test_split

    n_test = max(round(len(labels) * test_size), result.classes)
    stratify = labels if n_test >= result.classes and len(labels) - n_test >= result.classes else None
    x_train, x_test, y_train, y_test = train_test_split(
        texts, labels, test_size=n_test if stratify else test_size, random_state=seed, stratify=stratify
    )
    held_out = make_pipeline().fit(x_train, y_train)
    proba = held_out.predict_proba(x_test)
    result.test_samples = len(y_test)
    result.top1 = _top_k_accuracy(proba, list(held_out.classes_), y_test, 1)
    result.top3 = _top_k_accuracy(proba, list(held_out.classes_), y_test, 3)
    if target == "category":
        result.keywords_top1 = _keyword_top1(x_test[:2000], y_test[:2000])
    final = make_pipeline().fit(texts, labels)
    result.trained = True
    return result, final


def train_router(
    *,
    min_samples: int = DEFAULT_MIN_SAMPLES,
    max_samples: int = DEFAULT_MAX_SAMPLES,
    test_size: float = 0.2,
    seed: int = 0,
    now: dt.datetime | None = None,
) -> TrainResult:
    """Train both targets on the history and store a new RouterModel when at least one trained."""
    import time

    import joblib

    started = time.perf_counter()
    result = TrainResult()
    models: dict[str, Any] = {"format": MODEL_FORMAT}
    for target in TARGETS:
        texts, labels = training_rows(target, max_samples=max_samples)
        target_result, pipeline = _fit_target(
            target, texts, labels, min_samples=min_samples, test_size=test_size, seed=seed
        )
        result.targets[target] = target_result
        models[target] = pipeline
    if any(r.trained for r in result.targets.values()):
        buffer = io.BytesIO()
        joblib.dump(models, buffer, compress=3)
        result.row = RouterModel.objects.create(
            trained_at=now or timezone.now(),
            model=buffer.getvalue(),
            category_samples=result.targets["category"].samples if result.targets["category"].trained else 0,
            department_samples=(
                result.targets["department"].samples if result.targets["department"].trained else 0
            ),
            accuracy={
                name: {"top1": r.top1, "top3": r.top3, "test": r.test_samples, "classes": r.classes}
                for name, r in result.targets.items()
                if r.trained
            },
        )
        # Older rows are kept a while for comparison; only the newest is ever loaded.
        stale = (
            RouterModel.objects.filter(pk__lt=result.row.pk).order_by("-id").values_list("id", flat=True)[4:]
        )
        RouterModel.objects.filter(pk__in=list(stale)).delete()
    result.seconds = time.perf_counter() - started
    return result


# ---------------------------------------------------------------- dispatchers vs suggestions


@dataclass
class OverrideStats:
    shown: int = 0  # 立案 events that recorded a suggestion
    overridden: int = 0  # … where the dispatcher chose another category
    by_source: dict[str, tuple[int, int]] = field(
        default_factory=dict
    )  # "model"/"keywords" → (shown, overridden)

    @property
    def rate(self) -> float | None:
        return self.overridden / self.shown if self.shown else None


def override_stats(*, since: dt.datetime | None = None, limit: int = 100_000) -> OverrideStats:
    events = TicketEvent.objects.filter(action=Action.REGISTER, data__has_key="suggested")
    if since is not None:
        events = events.filter(at__gte=since)
    stats = OverrideStats()
    rows = events.order_by("-id").values_list("data", "ticket__category__code")[:limit]
    for data, current_code in rows:
        suggested = (data or {}).get("suggested")
        if not suggested:
            continue
        chosen = data.get("category") or current_code
        source = str(data.get("suggested_by", "")).split(":", 1)[0] or "?"
        overridden = chosen != suggested
        stats.shown += 1
        stats.overridden += overridden
        shown, over = stats.by_source.get(source, (0, 0))
        stats.by_source[source] = (shown + 1, over + overridden)
    return stats


__all__ = [
    "OverrideStats",
    "TrainResult",
    "category_scores",
    "clear_cache",
    "current_model",
    "departments_serving",
    "keyword_scores",
    "override_stats",
    "suggest_category",
    "suggest_department",
    "suggestion_data",
    "train_router",
    "training_rows",
]
