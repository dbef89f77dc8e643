"""Optional extras: without dask/distributed or ipywidgets installed, the features that need
them stop with a clear error that names the extra; everything else does not import them."""

from __future__ import annotations

import subprocess
import sys

import pytest

from research.errors import ConfigError, ResearchError


def test_dask_without_the_extra_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from research.orchestration import cluster

    monkeypatch.setitem(sys.modules, "distributed", None)  # import fails as if missing
    with pytest.raises(ConfigError, match="'dask' extra") as info:
        cluster.connect("tcp://127.0.0.1:1")
    assert ".[dask]" in info.value.hint


@pytest.mark.parametrize("module, function, arguments", [
    ("research.literature.screening.widget", "screening_widget", (None, "log.csv")),
    ("research.literature.dedup_widget", "dedup_widget", (None, None, "log.csv")),
])
def test_widgets_without_the_extra_name_it(monkeypatch: pytest.MonkeyPatch, module: str,
                                           function: str, arguments: tuple) -> None:
    import importlib

    panel = getattr(importlib.import_module(module), function)
    monkeypatch.setitem(sys.modules, "ipywidgets", None)
    with pytest.raises(ResearchError, match="'widgets' extra") as info:
        panel(*arguments)
    assert ".[widgets]" in info.value.hint


def test_batches_and_runs_do_not_load_dask_or_widgets() -> None:
    code = ("import sys, research.orchestration.batch, research.runs, research.cli.batch;"
            "print(sorted(m for m in ('dask', 'distributed', 'ipywidgets') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
