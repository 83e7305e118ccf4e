"""Train on a cluster of worker processes on this machine, as several machines would.

    .venv/bin/python tools/multi_worker.py --workers 2 --out /tmp/cluster
    .venv/bin/python tools/multi_worker.py --workers 2 --out /tmp/cluster --images 60000 \
        --pairs 60000 --epochs 2          # the blog's epoch (benchmarks/multi_worker.py)

Each worker is one Python process told about the others by `TF_CONFIG` (free ports on
127.0.0.1), which creates `tf.distribute.MultiWorkerMirroredStrategy()` and calls
`siamese_lib.train(..., strategy=strategy)`, exactly as a worker on its own machine would. The
chief saves the model (`model.keras`); every worker writes its final weights
(`weights_<i>.npz`) and what it measured (`worker_<i>.json`). Used by
tests/test_distributed.py and benchmarks/multi_worker.py.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path


def free_ports(n: int) -> list[int]:
    """n TCP ports on 127.0.0.1 that were free a moment ago (the system picks them)."""
    sockets = [socket.socket() for _ in range(n)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def tf_config(ports: list[int], index: int) -> dict:
    """The `TF_CONFIG` of worker `index` in a cluster of workers on 127.0.0.1 (worker 0 is the
    chief). On real machines, put their host names and ports in the list instead."""
    return {"cluster": {"worker": [f"127.0.0.1:{port}" for port in ports]},
            "task": {"type": "worker", "index": index}}


def launch(workers: int, out: Path, *, timeout: float = 300, worker_args: list[str] = ()):
    """Run `workers` worker processes until all finish; kill them all if one fails or the
    timeout passes. Returns the workers' `worker_<i>.json` results, in order."""
    out.mkdir(parents=True, exist_ok=True)
    ports = free_ports(workers)
    processes = []
    try:
        for index in range(workers):
            env = {**os.environ, "TF_CONFIG": json.dumps(tf_config(ports, index)),
                   "TF_CPP_MIN_LOG_LEVEL": "2"}
            log = open(out / f"worker_{index}.log", "w")  # noqa: SIM115 (closed below)
            processes.append((subprocess.Popen(
                [sys.executable, __file__, "--worker", "--out", str(out), *worker_args],
                env=env, stdout=log, stderr=subprocess.STDOUT), log))
        deadline = time.monotonic() + timeout
        while any(p.poll() is None for p, _ in processes):
            failed = [i for i, (p, _) in enumerate(processes) if p.poll() not in (None, 0)]
            if failed or time.monotonic() > deadline:
                why = f"worker {failed[0]} failed" if failed else f"timed out after {timeout} s"
                raise RuntimeError(f"{why}; see {out}/worker_*.log")
            time.sleep(0.2)
        failed = [i for i, (p, _) in enumerate(processes) if p.returncode != 0]
        if failed:
            raise RuntimeError(f"worker {failed[0]} failed; see {out}/worker_{failed[0]}.log")
    finally:
        for process, log in processes:
            if process.poll() is None:
                process.kill()
            process.wait()
            log.close()
    return [json.loads((out / f"worker_{i}.json").read_text()) for i in range(workers)]


def worker(out: Path, *, images: int, pairs: int, epochs: int, seed: int) -> None:
    """One worker: the cluster comes from `TF_CONFIG`; the same call as on one machine."""
    import siamese_lib as sl  # noqa: I001  (first: it quiets TensorFlow's start-up)
    import keras
    import numpy as np
    import tensorflow as tf

    strategy = tf.distribute.MultiWorkerMirroredStrategy()  # first: before any other TF op
    (x_train, y_train), _ = sl.load_mnist()
    sl.seed_everything(seed)
    model = sl.build_siamese("mlp")
    epoch_starts, epoch_seconds = [], []
    timer = keras.callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: epoch_starts.append(time.perf_counter()),
        on_epoch_end=lambda epoch, logs: epoch_seconds.append(
            time.perf_counter() - epoch_starts[-1]))
    start = time.perf_counter()
    history = sl.train(model, x_train[:images], y_train[:images], epochs=epochs,
                       pairs_per_epoch=pairs, seed=seed, strategy=strategy, verbose=2,
                       callbacks=[timer])
    seconds = time.perf_counter() - start
    index = strategy.cluster_resolver.task_id
    if sl.is_chief(strategy):
        sl.save_model(model, out / "model.keras")
    np.savez(out / f"weights_{index}.npz", *model.get_weights())
    result = {"index": index, "chief": sl.is_chief(strategy), "seconds": seconds,
              "epoch_seconds": epoch_seconds, "loss": history.history["loss"],
              "replicas": strategy.num_replicas_in_sync}
    (out / f"worker_{index}.json").write_text(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, required=True, help="folder for models and logs")
    parser.add_argument("--images", type=int, default=6000, help="first N training images")
    parser.add_argument("--pairs", type=int, default=4096, help="pairs per epoch")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=300, help="seconds for the cluster")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--fail-worker", type=int, default=None,
                        help="for tests: this worker exits with an error at once")
    args = parser.parse_args()
    settings = ["--images", str(args.images), "--pairs", str(args.pairs),
                "--epochs", str(args.epochs), "--seed", str(args.seed)]
    if args.fail_worker is not None:
        settings += ["--fail-worker", str(args.fail_worker)]
    if args.worker:
        index = json.loads(os.environ["TF_CONFIG"])["task"]["index"]
        if index == args.fail_worker:
            sys.exit(f"worker {index}: failing on purpose (--fail-worker)")
        worker(args.out, images=args.images, pairs=args.pairs, epochs=args.epochs,
               seed=args.seed)
    else:
        for result in launch(args.workers, args.out, timeout=args.timeout,
                             worker_args=settings):
            print(json.dumps(result))


if __name__ == "__main__":
    main()
