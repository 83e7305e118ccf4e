"""How much memory each notebook's kernel holds: run each in a fresh kernel, then measure it.

    .venv/bin/python benchmarks/kernel_memory.py [--save]     (about 10 minutes on 2 cores)

Every numbered notebook, and the classroom app (notebooks/app/app.ipynb), runs top to bottom in
its own kernel, in order, with its figures and models going to temporary folders (as nbval
runs them; notebook 05 finds the model notebook 04 saved). Then
the kernel's resident memory (RSS: what it holds now, and stays held while the notebook is open
with its kernel running) and its peak (VmHWM) are read from the operating system. A kernel
keeps this memory until it is shut down (README.md, "Memory"). `--save` writes
results/kernel_memory.json, which the README's table quotes. No target: a measurement to plan
by (a 2-core, 8 GB laptop holds four or five kernels at once next to a browser).
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import psutil
from nbclient import NotebookClient

sys.path.insert(0, os.path.dirname(__file__))
from measure import save_results  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).parent / "results" / "kernel_memory.json"
NOTEBOOKS = [*sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")),
             ROOT / "notebooks" / "app" / "app.ipynb"]


def peak_bytes(pid: int) -> int:
    """The process's peak resident memory (VmHWM in /proc, Linux), in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmHWM for process {pid}")


def measure(path: Path) -> dict:
    """Run one notebook in a fresh kernel; its kernel's memory afterwards, in MB."""
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=1800, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    with client.setup_kernel():
        for index, cell in enumerate(notebook.cells):
            if cell.cell_type == "code":
                client.execute_cell(cell, index)
        pid = client.km.provisioner.process.pid
        rss = psutil.Process(pid).memory_info().rss
        peak = peak_bytes(pid)
    return {"notebook": path.relative_to(ROOT / "notebooks").as_posix(),
            "seconds": round(time.perf_counter() - start, 1),
            "rss_mb": round(rss / 2**20), "peak_mb": round(peak / 2**20)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--save", action="store_true", help=f"write {RESULTS.name}")
    arguments = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as figures, tempfile.TemporaryDirectory() as models:
        os.environ["SIAMESE_FIGURES_DIR"], os.environ["SIAMESE_MODELS_DIR"] = figures, models
        for path in NOTEBOOKS:
            rows.append(measure(path))
            row = rows[-1]
            print(f"{row['notebook']:28s} {row['rss_mb']:5d} MB held, peak {row['peak_mb']:5d} MB "
                  f"({row['seconds']:.0f} s)", flush=True)
    if arguments.save:
        save_results(RESULTS, {"rows": rows})
    return 0


if __name__ == "__main__":
    sys.exit(main())
