"""Measurement helpers shared by the benchmark scripts."""

import argparse  # noqa: I001  (siamese_lib before keras: it quiets TensorFlow's start-up)
import json
import resource
import statistics
import time

import numpy as np

import siamese_lib as sl
import keras
from siamese_lib.atomic import atomic_path
from siamese_lib.pretrained import machine

ACCURACY_BAR = 0.97


def test_pair_accuracy(model, x_test, y_test):
    """Accuracy on the same 10,000 seeded test pairs for every recipe."""
    return sl.evaluate_pairs(model, x_test, y_test, n_pairs=10_000, seed=1).accuracy


class EpochSeconds(keras.callbacks.Callback):
    """Training seconds of every epoch."""

    def __init__(self):
        super().__init__()
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._start)

    def median_seconds(self):
        """Median epoch time, leaving out the first epoch (it includes tracing) when possible."""
        return statistics.median(self.seconds[1:] or self.seconds)


class EpochTimer(EpochSeconds):
    """Training seconds of every epoch, and when test pair accuracy first reached the bar.

    After each epoch it measures test pair accuracy on the fixed test pairs; that evaluation
    is not counted as training time.
    """

    def __init__(self, x_test, y_test):
        super().__init__()
        self.x_test, self.y_test = x_test, y_test
        self.accuracies = []
        self.seconds_to_bar = None

    def on_epoch_end(self, epoch, logs=None):
        super().on_epoch_end(epoch, logs)
        self.accuracies.append(test_pair_accuracy(self.model, self.x_test, self.y_test))
        if self.seconds_to_bar is None and self.accuracies[-1] >= ACCURACY_BAR:
            self.seconds_to_bar = sum(self.seconds)


def peak_rss_mb():
    """Peak resident memory of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def median_ms(step, repeats=100):
    """Median wall time of `step()` in milliseconds, after one warm-up call."""
    step()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def result_row(prep_s, timer, history, accuracy_key, model, x_test, y_test, compare_ms):
    """One recipe's measurements, as bench.py prints them."""
    return {
        "prep_s": prep_s,
        "s_per_epoch": timer.median_seconds(),
        "train_seconds": sum(timer.seconds),
        "reported_train_accuracy": history.history[accuracy_key][-1],
        "final_loss": history.history["loss"][-1],
        "test_pair_accuracy": test_pair_accuracy(model, x_test, y_test),
        "seconds_to_97": timer.seconds_to_bar,
        "compare_ms": compare_ms,
        "peak_rss_mb": peak_rss_mb(),
    }


def one_pair(x_test):
    """A pair of test digits as float32 (1, 28, 28, 1) arrays."""
    return sl.to_model_input(x_test[:1]), sl.to_model_input(x_test[1:2])


def seed_arguments(description, results, default_seeds=(0, 1, 2)):
    """The command line of a benchmark run over seeds: `seeds...` and `--save` (writes
    `results`, the JSON file the notebooks read)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("seeds", nargs="*", type=int, default=list(default_seeds))
    parser.add_argument("--save", action="store_true", help=f"write {results.name}")
    return parser.parse_args()


def spread(values, digits=3):
    """Mean and range of per-seed values, e.g. "0.895 (0.878-0.918)"."""
    values = np.asarray(values)
    return f"{values.mean():.{digits}f} ({values.min():.{digits}f}-{values.max():.{digits}f})"


def save_results(path, fields):
    """Write a benchmark's results for the notebooks: `fields` plus this machine, as JSON,
    atomically (an interrupted run never leaves a half-written file)."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps({**fields, "machine": machine()}, indent=1) + "\n")
