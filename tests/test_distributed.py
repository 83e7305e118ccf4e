"""Training under tf.distribute: two replicas in one process, and two worker processes.

Both runs start fresh Python processes: logical devices and TF_CONFIG must be set before
TensorFlow starts. Explained in the README ("Training on several GPUs or machines").
"""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import siamese_lib as sl
from tools import multi_worker

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_mirrored_strategy_on_two_devices_trains_like_one_device():
    pairs, epochs = 4096, 2
    out = subprocess.run([sys.executable, str(ROOT / "tests" / "mirrored_check.py"),
                          str(pairs), str(epochs)],
                         capture_output=True, text=True, timeout=300, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["replicas"] == 2
    # Each replica's copy of the base network saw half of every batch: both images of
    # pairs / 2 pairs per epoch.
    assert result["seen_per_replica"] == [epochs * pairs] * 2
    assert result["max_weight_difference"] < 1e-5
    np.testing.assert_allclose(result["loss_two_replicas"], result["loss_one_device"],
                               rtol=1e-5)
    assert result["loss_one_device"][1] < result["loss_one_device"][0]  # it learned


@pytest.mark.slow
def test_two_worker_processes_train_one_model(tmp_path, mnist):
    workers = multi_worker.launch(2, tmp_path, timeout=300,
                             worker_args=["--images", "6000", "--pairs", "4096",
                                          "--epochs", "2"])
    assert [w["index"] for w in workers] == [0, 1]
    assert [w["chief"] for w in workers] == [True, False]
    assert all(w["replicas"] == 2 for w in workers)
    assert workers[0]["loss"] == workers[1]["loss"]  # one model, reported once for both
    first, second = (np.load(tmp_path / f"weights_{i}.npz") for i in range(2))
    for name in first:
        np.testing.assert_array_equal(first[name], second[name])
    assert sorted(p.name for p in tmp_path.glob("*.keras")) == ["model.keras"]  # chief only
    model = sl.load_model(tmp_path / "model.keras")  # safe_mode=True
    _, (x_test, y_test) = mnist
    accuracy = sl.evaluate_pairs(model, x_test, y_test, n_pairs=2000, seed=1).accuracy
    assert accuracy > 0.7  # chance is 0.5
    weights = [first[name] for name in first]
    for saved, trained in zip(model.get_weights(), weights, strict=True):
        np.testing.assert_array_equal(saved, trained)


def test_launch_stops_the_cluster_when_one_worker_fails(tmp_path):
    """Worker 1 dies at once; worker 0 would wait for it forever inside the first collective
    step. The launcher must notice, kill worker 0, and report worker 1."""
    import time

    start = time.monotonic()
    with pytest.raises(RuntimeError, match="worker 1 failed"):
        multi_worker.launch(2, tmp_path, timeout=240, worker_args=["--fail-worker", "1"])
    assert time.monotonic() - start < 120  # long before the timeout
    assert "failing on purpose" in (tmp_path / "worker_1.log").read_text()
    assert not list(tmp_path.glob("*.keras")) and not list(tmp_path.glob("worker_*.json"))


def test_tf_config_names_every_worker_and_this_one():
    ports = multi_worker.free_ports(2)
    assert len(set(ports)) == 2 and all(1024 <= p < 65536 for p in ports)
    config = multi_worker.tf_config(ports, 1)
    assert config == {"cluster": {"worker": [f"127.0.0.1:{ports[0]}",
                                             f"127.0.0.1:{ports[1]}"]},
                      "task": {"type": "worker", "index": 1}}


@pytest.mark.parametrize(("cluster", "task", "chief"), [
    ({}, None, True),
    ({"worker": ["a:1", "b:2"]}, ("worker", 0), True),
    ({"worker": ["a:1", "b:2"]}, ("worker", 1), False),
    ({"chief": ["c:3"], "worker": ["a:1"]}, ("worker", 0), False),
    ({"chief": ["c:3"], "worker": ["a:1"]}, ("chief", 0), True),
])
def test_is_chief_follows_tf_config(monkeypatch, cluster, task, chief):
    import tensorflow as tf

    config = {"cluster": cluster}
    if task:
        config["task"] = {"type": task[0], "index": task[1]}
    monkeypatch.setenv("TF_CONFIG", json.dumps(config))

    class Strategy:
        cluster_resolver = tf.distribute.cluster_resolver.TFConfigClusterResolver()

    assert sl.is_chief(Strategy()) is chief
    assert sl.is_chief(None) is True
