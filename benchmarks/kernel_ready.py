"""Benchmark: how long a run waits for an already booted kernel to be "ready".

jupyter_client's ``wait_for_ready`` (what nbclient/papermill call on every run) ends by
waiting until IOPub has been quiet for 0.2 s, and a client created at that moment can miss
the kernel's first status message; ours (``research.execute``) connects its client when the
kernel is spawned and takes a ``kernel_info`` reply plus its ``idle`` status as ready.
Each kernel is given 4 s to boot first, so only the readiness check itself is timed.

    .venv/bin/python benchmarks/kernel_ready.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_core.utils import run_sync

from research.execute import _kernel_environment, _start_kernel, stop_kernel
from research.paths import project_root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    root = project_root()
    results: dict[str, list[float]] = {"jupyter_client": [], "research.execute": []}
    for _ in range(args.rounds):
        for name in results:
            manager = _start_kernel("python3", root, _kernel_environment(root))
            time.sleep(4)
            started = time.perf_counter()
            if name == "jupyter_client":
                client = AsyncKernelClient(**manager.get_connection_info(session=True),
                                           parent=manager)
                client.start_channels()
                run_sync(client.wait_for_ready)(timeout=60)
                client.stop_channels()
            else:
                run_sync(manager.client().wait_for_ready)(timeout=60)
            results[name].append(time.perf_counter() - started)
            stop_kernel(manager)
    for name, waits in results.items():
        print(f"{name:17} wait_for_ready on a booted kernel: median "
              f"{statistics.median(waits) * 1000:.0f} ms "
              f"({', '.join(f'{w * 1000:.0f}' for w in waits)} ms)")


if __name__ == "__main__":
    main()
