"""A second opinion on the taxonomy's themes from a classifier trained on labelled text.

Measured on batches written by authors who had not seen the taxonomy
(``benchmarks/README.md``), the taxonomy's word rules miss what is said in other words and
fire on everyday words that another author uses differently, while a classifier trained on
the hand-labelled development corpus (texts by several authors) generalises better; the
two together did best on most batches. :class:`ThemeCheck` combines them: a theme the
taxonomy assigns is dropped where the classifier gives it a probability under
:data:`VETO`, and a theme the classifier gives at least :data:`ADD` is added (its evidence
says so, with the words that weighed most). The cut-offs were chosen before the batch that
measures them was written: 0.1 and 0.8 on the fourth independent author's batch, then 0.15
and 0.7 (the fewest errors on four independent authors' batches, each left out of the
classifier's training in turn), then 0.2 and 0.6 (the fewest errors summed over eight
authors' batches left out in turn). A later candidate, 0.3 and 0.7 with taxonomy v13 (the
fewest over twelve authors' batches, ``benchmarks/theme_cv.py``), had more errors than
0.2 and 0.6 with v12 on the next fresh batches, so it was not adopted
(``benchmarks/README.md``).

The classifier is :class:`~research.scanning.classifier.ThemeClassifier`'s model, fitted
once per run on the labelled file (its held-out split, :data:`~research.scanning.
validation.HELD_OUT`, left out so that the briefing's own measurement never sees its
training texts).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
import numpy as np
import pandas as pd

from ..errors import ParameterError
from ..io.files import write_bytes_atomic
from ..paths import resolve
from .classifier import ThemeClassifier, read_labelled_items
from .themes import Taxonomy
from .validation import DEV_CORPUS

__all__ = ["VETO", "ADD", "ThemeCheck", "load_theme_check", "fit_model", "combine",
           "count_errors", "choose_cutoffs"]

#: A taxonomy theme the classifier gives a probability under this is dropped.
VETO = 0.2
#: A theme the classifier gives at least this is added, with the classifier as evidence.
ADD = 0.6
#: The check's classifier's regularisation (scikit-learn's ``C``), as the classifier's own.
CHECK_C = 10.0
#: Words shown as the evidence of a theme the classifier added.
EVIDENCE_WORDS = 3


@dataclass
class ThemeCheck:
    """A fitted classifier and the rule that combines it with the taxonomy's themes."""

    model: ThemeClassifier
    source: str
    n_texts: int
    veto: float = VETO
    add: float = ADD
    #: The classifier leads: a theme is on where the classifier gives at least its own
    #: threshold for it (chosen on out-of-fold probabilities when it was fitted), whatever
    #: the taxonomy found; the taxonomy's words stay the evidence where it agrees.
    lead: bool = False

    @property
    def keys(self) -> list[str]:
        return list(self.model.trained_keys_)

    def apply(self, matched: pd.DataFrame, texts: list[str], taxonomy: Taxonomy
              ) -> pd.DataFrame:
        """``matched`` (from :func:`~research.scanning.themes.match_themes`) with each
        text's themes and evidence checked; a ``vetoed`` column lists the themes dropped.
        Themes the classifier was not trained on keep the taxonomy's decision."""
        if not len(matched):
            return matched.assign(vetoed=pd.Series(dtype=object))
        keys = self.keys
        proba = self.model.predict_proba(texts)
        column = {k: j for j, k in enumerate(keys)}
        if self.lead:
            veto = add = np.asarray(self.model.thresholds_, dtype=float)
        else:
            veto, add = np.full(len(keys), self.veto), np.full(len(keys), self.add)
        themes, evidence, vetoed = [], [], []
        for i, (found, proof) in enumerate(zip(matched["themes"], matched["evidence"])):
            kept = {k: list(proof[k]) for k in found
                    if k not in column or proba[i, column[k]] >= veto[column[k]]}
            dropped = [k for k in found if k not in kept]
            for k in keys:
                p = proba[i, column[k]]
                if k not in kept and k not in dropped and p >= add[column[k]]:
                    kept[k] = [f"klassificeraren {_percent(p)}", *self._top_words(texts[i], k)]
            order = [k for k in taxonomy.keys if k in kept]
            themes.append(order)
            evidence.append({k: kept[k] for k in order})
            vetoed.append(dropped)
        result = matched.copy()
        result["themes"], result["evidence"], result["vetoed"] = themes, evidence, vetoed
        for key in taxonomy.keys:
            if key in result.columns:
                result[key] = [key in row for row in themes]
        return result

    def _top_words(self, text: str, key: str) -> list[str]:
        """The text's words that weighed most for ``key``, names left out."""
        words = self.model.top_words(text, key, n=None)
        return [w for w in words if not _name_only(w, text)][:EVIDENCE_WORDS]


def fit_model(texts: list[str], labels: list[list[str]], keys: list[str], *, seed: int = 1,
              c: float | None = None) -> ThemeClassifier:
    """The check's classifier (regularisation ``c``, default :data:`CHECK_C`) fitted on
    ``texts`` and their ``labels``."""
    model = ThemeClassifier(keys, min_examples=3, seed=seed, folds=1, parameter="theme_check",
                            c=CHECK_C if c is None else c)
    return model.fit(texts, labels)


def combine(found: np.ndarray, proba: np.ndarray, veto: np.ndarray, add: np.ndarray
            ) -> np.ndarray:
    """The check's rule on matrices (texts x themes): a theme the taxonomy ``found`` stays
    where the probability is at least its ``veto``; one it did not find is added at
    ``add`` or more (as :meth:`ThemeCheck.apply`)."""
    found = np.asarray(found, dtype=bool)
    proba = np.asarray(proba, dtype=float)
    if found.shape != proba.shape:
        raise ParameterError(f"combine: found {found.shape} and proba {proba.shape} differ.",
                             parameter="theme_check")
    return (found & (proba >= veto)) | (~found & (proba >= add))


def count_errors(truth: np.ndarray, guess: np.ndarray) -> np.ndarray:
    """False alarms plus misses per theme (column)."""
    return (np.asarray(truth, dtype=bool) != np.asarray(guess, dtype=bool)).sum(axis=0)


#: The cut-offs :func:`choose_cutoffs` compares, per theme.
CUTOFF_VETO = (0.0, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35)
CUTOFF_ADD = (0.5, 0.55, 0.6, 0.65, 0.7, 0.8, float("inf"))


def choose_cutoffs(truth: np.ndarray, found: np.ndarray, proba: np.ndarray, *,
                   prior: tuple[float, float] | None = None, min_gain: int = 2
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Each theme's (veto, add) with the fewest errors on labelled texts (``truth``,
    taxonomy matches ``found`` and out-of-sample probabilities ``proba``, all texts x
    themes), ties to the lower veto and add. With ``prior`` (veto, add), a theme keeps
    the prior unless another pair has at least ``min_gain`` fewer errors.

    Raises
    ------
    ParameterError
        Matrices of different shapes, or no texts.
    """
    truth, found = np.asarray(truth, dtype=bool), np.asarray(found, dtype=bool)
    proba = np.asarray(proba, dtype=float)
    if not (truth.shape == found.shape == proba.shape) or truth.ndim != 2:
        raise ParameterError("choose_cutoffs: truth, found and proba must be matrices of "
                             f"one shape, not {truth.shape}, {found.shape}, {proba.shape}.",
                             parameter="theme_check")
    if not len(truth):
        raise ParameterError("choose_cutoffs: no labelled texts.", parameter="theme_check")
    n = truth.shape[1]
    veto, add = np.empty(n), np.empty(n)
    for k in range(n):
        best = None
        for v in CUTOFF_VETO:
            for a in CUTOFF_ADD:
                guess = combine(found[:, k], proba[:, k], v, a)
                errors = int((guess != truth[:, k]).sum())
                if best is None or errors < best[0]:
                    best = (errors, v, a)
        if prior is not None:
            kept = int((combine(found[:, k], proba[:, k], *prior) != truth[:, k]).sum())
            if kept - best[0] < min_gain:
                best = (kept, *prior)
        veto[k], add[k] = best[1], best[2]
    return veto, add


def _name_only(word: str, text: str) -> bool:
    """Whether ``word`` is capitalised in mid-sentence in ``text`` (a name: "i Östra
    Hagen"), so says nothing of a theme."""
    return re.search(rf"[a-zåäö,] {re.escape(word.capitalize())}", text) is not None


def _percent(p: float) -> str:
    return f"{round(100 * p)} %"


def load_theme_check(path: str | Path | None, taxonomy: Taxonomy, *,
                     exclude_split: str | Iterable[str] | None = None, seed: int = 1
                     ) -> ThemeCheck | None:
    """Fit the check on a labelled CSV (``title``, ``text``, ``themes``; the rows of a
    ``split`` column's ``exclude_split`` — one split or several — left out), or ``None``
    for an empty path (and for the development corpus's own path where this installation
    has no such file).

    Raises
    ------
    InputDataError, SchemaError
        A missing or unreadable file, missing columns or an unknown theme key (see
        :func:`~research.scanning.classifier.read_labelled_items`).
    ParameterError
        Too few labelled texts to train on.
    """
    if path is None or str(path).strip() == "":
        return None
    if Path(path).as_posix() == DEV_CORPUS and not resolve(path).is_file():
        return None  # the development corpus is not in this installation: taxonomy alone
    labelled = read_labelled_items(path, taxonomy, parameter="theme_check")
    if exclude_split is not None and "split" in labelled.columns:
        left_out = [exclude_split] if isinstance(exclude_split, str) else list(exclude_split)
        labelled = labelled[~labelled["split"].isin(left_out)]
    if len(labelled) < 20:
        raise ParameterError(
            f"theme_check: {resolve(path)} has {len(labelled)} labelled texts; the check "
            "needs at least 20.", parameter="theme_check",
            hint="give the development corpus (data/dev/omvarld_teman/dokument.csv) or "
                 "more labelled items, or leave theme_check empty for the taxonomy alone")
    texts, themes = labelled["text"].tolist(), labelled["themes"].tolist()
    key = _fit_key(texts, themes, taxonomy.keys, seed)
    model = _cached_model(key)
    if model is None:
        model = fit_model(texts, themes, taxonomy.keys, seed=seed)
        _store_model(key, model)
    return ThemeCheck(model, str(path), len(labelled))


#: Where fitted checks are kept between runs (a fit on the development corpus takes
#: seconds; the same texts, labels, keys, seed and code give the same model).
CACHE_ENV = "RESEARCH_CACHE_DIR"


def cache_dir() -> Path:
    """``$RESEARCH_CACHE_DIR``, else ``$XDG_CACHE_HOME/kunskapshus-research`` (default
    ``~/.cache``), subfolder ``theme_check``."""
    base = os.environ.get(CACHE_ENV) or Path(
        os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "kunskapshus-research"
    return Path(base) / "theme_check"


def _fit_key(texts: list[str], themes: list[list[str]], keys: list[str], seed: int) -> str:
    """A digest of everything the fitted model depends on: the labelled texts, the
    taxonomy's keys, the seed, this code (check, classifier, tokens and word keys) and
    the versions of scikit-learn, numpy and simplemma."""
    from importlib.metadata import PackageNotFoundError, version

    import sklearn

    from ..text import core as text_core
    from . import classifier as classifier_module, corpus as corpus_module
    from . import themes as themes_module

    digest = hashlib.sha256()
    try:
        lemmas = version("simplemma")
    except PackageNotFoundError:
        lemmas = "-"
    for part in (sklearn.__version__, np.__version__, lemmas, str(seed), "\x1f".join(keys)):
        digest.update(part.encode("utf-8") + b"\x1e")
    for module in (classifier_module, corpus_module, themes_module, text_core):
        digest.update(Path(module.__file__).read_bytes())
    digest.update(Path(__file__).read_bytes())
    for text, row in zip(texts, themes):
        digest.update(text.encode("utf-8") + b"\x1f" + ";".join(row).encode("utf-8") + b"\x1e")
    return digest.hexdigest()


def _cached_model(key: str) -> ThemeClassifier | None:
    """The model fitted earlier under ``key``, or ``None`` (none kept, or unreadable: then
    it is fitted again). The folder is the user's own (created 0700): a pickle is only
    read from a place no one else may write to."""
    path = cache_dir() / f"{key}.pickle"
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if len(data) < 32 or hashlib.sha256(data[32:]).digest() != data[:32]:
        return None  # torn or corrupted (not a defence against a hostile writer): fit again
    try:
        model = pickle.loads(data[32:])
    except Exception:  # noqa: BLE001 - an old or broken file is only a missed cache
        return None
    if not isinstance(model, ThemeClassifier):
        return None
    try:
        os.utime(path)  # used now: the last to be pruned
    except OSError:
        pass
    return model


def _store_model(key: str, model: ThemeClassifier) -> None:
    """Keep ``model`` under ``key`` (atomically; a cache that cannot be written is
    skipped, never an error)."""
    payload = pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)
    try:
        cache_dir().mkdir(mode=0o700, parents=True, exist_ok=True)
        write_bytes_atomic(cache_dir() / f"{key}.pickle",
                           hashlib.sha256(payload).digest() + payload, mode=0o600)
    except OSError:
        return
    _prune(keep=key)


#: Fitted checks kept in the cache folder (each some megabytes; a change of corpus, code or
#: library versions makes a new one, so the folder would otherwise grow with every change).
CACHE_KEEP = 4


def _prune(keep: str) -> None:
    """Remove all but the :data:`CACHE_KEEP` most recently used fitted checks (never
    ``keep``, the one just written). Best effort: a file another process removed or
    holds is left to the next run."""
    entries = []
    for path in cache_dir().glob("*.pickle"):
        try:
            entries.append((path.stat().st_mtime, path))
        except OSError:
            continue
    entries.sort(reverse=True)
    for _, path in entries[CACHE_KEEP:]:
        if path.stem != keep:
            try:
                path.unlink()
            except OSError:
                pass
