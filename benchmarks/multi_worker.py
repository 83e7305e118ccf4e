"""The blog's recipe on 1 and on 2 worker processes of this machine, side by side.

    .venv/bin/python benchmarks/multi_worker.py        (part of make bench, about 1 minute)

Each run is a cluster of worker processes on 127.0.0.1 (tools/multi_worker.py), each with
`tf.distribute.MultiWorkerMirroredStrategy()` and `siamese_lib.train`, as separate machines
would run it: all 60,000 training images, 60,000 pairs per epoch, global batch 128, 2 epochs.
Reported: the second epoch's wall time (the first includes tracing and connecting). On 2 CPU
cores two workers share the same cores, so expect no speed-up here: the point is that it runs.
Results: benchmarks/results/multi_worker.json.
"""

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [os.path.dirname(__file__), str(ROOT)]
from measure import save_results  # noqa: E402

from tools import multi_worker as cluster  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "multi_worker.json"
SETTINGS = ["--images", "60000", "--pairs", "60000", "--epochs", "2"]


def main():
    rows = {}
    for workers in (1, 2):
        with tempfile.TemporaryDirectory() as out:
            results = cluster.launch(workers, Path(out), timeout=600, worker_args=SETTINGS)
        rows[workers] = {"second_epoch_seconds": max(r["epoch_seconds"][1] for r in results),
                         "final_loss": results[0]["loss"][-1]}
    base = rows[1]["second_epoch_seconds"]
    print(f"Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} CPU cores: the blog's "
          "recipe (60,000 pairs per epoch, global batch 128), second epoch:\n")
    print("| workers | s / epoch | ratio to 1 worker | loss after 2 epochs |\n"
          "| --- | --- | --- | --- |")
    for workers, row in rows.items():
        print(f"| {workers} | {row['second_epoch_seconds']:.2f} | "
              f"{row['second_epoch_seconds'] / base:.2f}x | {row['final_loss']:.4f} |")
    save_results(RESULTS, {"date": time.strftime("%Y-%m-%d"), "settings": " ".join(SETTINGS),
                           "workers": {str(k): v for k, v in rows.items()}})
    return 0


if __name__ == "__main__":
    sys.exit(main())
