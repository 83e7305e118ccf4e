"""Measurement helpers shared by the benchmark scripts."""

import resource
import statistics
import time

import keras

import siamese_lib as sl


class EpochTimer(keras.callbacks.Callback):
    """Wall-clock seconds of every epoch."""

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


def peak_rss_mb():
    """Peak resident memory of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_pair_accuracy(model, x_test, y_test):
    """Accuracy on the same 10,000 seeded test pairs for every recipe."""
    return sl.evaluate_pairs(model, x_test, y_test, n_pairs=10_000, seed=1).accuracy


def result_row(prep_s, timer, history, accuracy_key, model, x_test, y_test):
    """One recipe's measurements, as bench.py prints them."""
    return {
        "prep_s": prep_s,
        "s_per_epoch": timer.median_seconds(),
        "reported_train_accuracy": history.history[accuracy_key][-1],
        "final_loss": history.history["loss"][-1],
        "test_pair_accuracy": test_pair_accuracy(model, x_test, y_test),
        "peak_rss_mb": peak_rss_mb(),
    }
