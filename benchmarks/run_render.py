"""Benchmark: `research run` (execute + render + manifest + publish, one process) against
`papermill` CLI followed by `jupyter nbconvert --to html` CLI, on the same small notebook
(a parameter, a DataFrame, a figure from the figure factory). Alternating, several rounds; prints the
median of each and the ratio research/peer (target ≤ 0.5). ``research publish`` prints no
PDF here (``RESEARCH_PDF=0``): the peer makes none.

    .venv/bin/python benchmarks/run_render.py [--rounds 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

BIN = Path(sys.executable).parent


def small_notebook(path: Path) -> Path:
    nb = new_notebook(cells=[
        new_markdown_cell("# Liten briefing\n\nFör mätning."),
        new_code_cell("n = 50  # antal rader", metadata={"tags": ["parameters"]}),
        new_code_cell("import pandas as pd\nfrom research import report\n"
                      "from research.report.figures import new_figure",
                      metadata={"tags": ["setup"]}),
        new_markdown_cell("## Sammanfattning"),
        new_code_cell("df = pd.DataFrame({'x': range(n), 'y': [i * i for i in range(n)]})\n"
                      "report.show_table(df, 'data', 'Värden')"),
        new_code_cell("fig, ax = new_figure()\nax.plot(df.x, df.y)\n"
                      "report.show_figure(fig, 'Kurva som växer kvadratiskt')"),
        new_markdown_cell("## Om underlaget\n\nSyntetiskt."),
    ], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    nbformat.write(nb, str(path))
    return path


def timed(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        notebook = small_notebook(tmp_path / "bench.ipynb")
        # no PDF printing (Chromium) on publish: the peer makes no PDF either
        env = dict(os.environ, RESEARCH_REPORTS_DIR=str(tmp_path / "reports"), RESEARCH_PDF="0")
        ours_cmd = [str(BIN / "research"), "run", str(notebook), "-p", "n", "60"]
        peer_out = tmp_path / "peer.ipynb"
        peer_cmds = [[str(BIN / "papermill"), str(notebook), str(peer_out), "-p", "n", "60",
                      "--no-progress-bar"],
                     [str(BIN / "jupyter"), "nbconvert", "--to", "html", str(peer_out)]]
        timed(ours_cmd, env)  # warm caches (imports, font cache) for both
        for cmd in peer_cmds:
            timed(cmd, env)
        ours, peer = [], []
        for _ in range(args.rounds):
            ours.append(timed(ours_cmd, env))
            peer.append(sum(timed(cmd, env) for cmd in peer_cmds))
        median_ours, median_peer = statistics.median(ours), statistics.median(peer)
        print(f"rounds: {args.rounds}")
        print(f"research run (execute+render+manifest+publish): median {median_ours:.2f} s "
              f"(min {min(ours):.2f}, max {max(ours):.2f})")
        print(f"papermill CLI + jupyter nbconvert --to html CLI: median {median_peer:.2f} s "
              f"(min {min(peer):.2f}, max {max(peer):.2f})")
        print(f"ratio research/peer (median): {median_ours / median_peer:.2f}  (target <= 0.5)")


if __name__ == "__main__":
    main()
