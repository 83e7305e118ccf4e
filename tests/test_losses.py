"""Contrastive loss and pair accuracy against a plain numpy reference, in both label shapes."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import siamese_lib as sl


def numpy_contrastive_loss(y, d, margin=1.0):
    y, d = np.ravel(y), np.ravel(d)
    return np.mean(y * d**2 + (1 - y) * np.maximum(margin - d, 0) ** 2)


def numpy_pair_accuracy(y, d, threshold=0.5):
    y, d = np.ravel(y), np.ravel(d)
    return np.mean((d < threshold) == (y == 1))


@pytest.fixture
def toy_batch():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 64).astype(np.float32)
    d = np.abs(rng.normal(0.5, 0.4, 64)).astype(np.float32).reshape(64, 1)
    return y, d


@pytest.mark.parametrize("label_shape", [(64,), (64, 1)])
@pytest.mark.parametrize("margin", [0.5, 1.0, 2.0])
def test_loss_matches_numpy(toy_batch, label_shape, margin):
    y, d = toy_batch
    per_pair = keras.ops.convert_to_numpy(sl.contrastive_loss(y.reshape(label_shape), d, margin))
    assert per_pair.shape == (64,) and per_pair.dtype == np.float32
    assert per_pair.mean() == pytest.approx(numpy_contrastive_loss(y, d, margin), rel=1e-5)
    got = float(sl.ContrastiveLoss(margin)(y.reshape(label_shape), d))
    assert got == pytest.approx(numpy_contrastive_loss(y, d, margin), rel=1e-5)


@pytest.mark.parametrize("label_shape", [(64,), (64, 1)])
@pytest.mark.parametrize("threshold", [0.3, 0.5, 0.8])
def test_accuracy_matches_numpy(toy_batch, label_shape, threshold):
    y, d = toy_batch
    per_pair = keras.ops.convert_to_numpy(sl.pair_accuracy(y.reshape(label_shape), d, threshold))
    assert per_pair.shape == (64,) and set(np.unique(per_pair)) <= {0.0, 1.0}
    assert per_pair.mean() == pytest.approx(numpy_pair_accuracy(y, d, threshold))
    got = float(sl.PairAccuracy(threshold)(y.reshape(label_shape), d))
    assert got == pytest.approx(numpy_pair_accuracy(y, d, threshold))


def test_pair_accuracy_metric_averages_over_batches(toy_batch):
    y, d = toy_batch
    metric = sl.PairAccuracy(0.5)
    metric.update_state(y[:16], d[:16])
    metric.update_state(y[16:], d[16:])
    assert float(metric.result()) == pytest.approx(numpy_pair_accuracy(y, d), abs=1e-7)
    metric.reset_state()
    assert float(metric.result()) == 0.0


def test_loss_hand_values():
    """Same pair at d=0.3: 0.09. Different pair at d=0.3: (1-0.3)^2=0.49. Beyond margin: 0."""
    loss = sl.ContrastiveLoss(1.0)
    assert float(loss(np.array([1.0]), np.array([[0.3]]))) == pytest.approx(0.09)
    assert float(loss(np.array([0.0]), np.array([[0.3]]))) == pytest.approx(0.49)
    assert float(loss(np.array([0.0]), np.array([[1.7]]))) == 0.0


def test_blog_accuracy_ported_naively_broadcasts_to_a_matrix(toy_batch):
    """The shape trap: the blog's K.equal(y_true, y_pred < 0.5) in Keras 3 with (batch,) labels."""
    y, _ = toy_batch
    d = np.where(y == 1, 0.1, 0.9).astype(np.float32).reshape(-1, 1)  # every pair right
    naive = keras.ops.mean(keras.ops.equal(y, keras.ops.cast(d < 0.5, "float32")))
    assert keras.ops.equal(y, keras.ops.cast(d < 0.5, "float32")).shape == (64, 64)
    assert float(naive) == pytest.approx(np.mean(y) ** 2 + (1 - np.mean(y)) ** 2)
    assert float(sl.PairAccuracy()(y, d)) == 1.0


def test_loss_gradient_matches_calculus():
    """dL/dd = 2d for a same pair; -2(margin - d) for a different pair inside the margin."""
    d = tf.Variable([[0.3], [0.3], [1.5]])
    with tf.GradientTape() as tape:
        per_pair = sl.contrastive_loss(tf.constant([1.0, 0.0, 0.0]), d, margin=1.0)
        total = tf.reduce_sum(per_pair)
    np.testing.assert_allclose(tape.gradient(total, d).numpy().ravel(), [0.6, -1.4, 0.0],
                               rtol=1e-6)


def test_loss_and_metric_serialize_with_their_settings():
    for obj, attr, value in [(sl.ContrastiveLoss(2.0), "margin", 2.0),
                             (sl.PairAccuracy(0.7), "threshold", 0.7)]:
        config = keras.saving.serialize_keras_object(obj)
        copy = keras.saving.deserialize_keras_object(config, safe_mode=True)
        assert type(copy) is type(obj) and getattr(copy, attr) == value


def test_metric_is_named_pair_accuracy_in_history(small_mnist):
    (x, y), _ = small_mnist
    model = sl.build_siamese()
    model.compile(optimizer="rmsprop", loss=sl.ContrastiveLoss(), metrics=[sl.PairAccuracy()])
    history = model.fit(sl.PairStream(x, y, pairs_per_epoch=256), epochs=1, verbose=0)
    assert set(history.history) == {"loss", "pair_accuracy"}


def test_early_stopping_and_checkpoints_follow_val_pair_accuracy_upwards(small_mnist, tmp_path):
    """Keras reads the metric's direction: no mode="max" needed."""
    (x, y), (x_val, y_val) = small_mnist
    sl.seed_everything(0)
    model = sl.build_siamese()
    stop = keras.callbacks.EarlyStopping(monitor="val_pair_accuracy", patience=1,
                                         restore_best_weights=True)
    best = tmp_path / "best.keras"
    checkpoint = keras.callbacks.ModelCheckpoint(best, monitor="val_pair_accuracy",
                                                 save_best_only=True)
    history = sl.train(model, x, y, epochs=6, pairs_per_epoch=1024, threshold=0.7,
                       validation_data=(x_val, y_val), validation_pairs=1000, verbose=0,
                       callbacks=[stop, checkpoint])
    accuracies = history.history["val_pair_accuracy"]
    for callback in (stop, checkpoint):  # both chose "higher is better"
        assert bool(callback.monitor_op(0.9, 0.8)) and not bool(callback.monitor_op(0.8, 0.9))
    assert stop.best == max(accuracies)
    saved = sl.load_model(best)  # safe_mode=True, the metric's threshold with it
    a, b, labels = sl.make_pairs(x_val, y_val, 8, seed=0)
    saved.evaluate([sl.to_model_input(a), sl.to_model_input(b)], labels, verbose=0)  # builds
    metric = next(m for m in saved.metrics[-1].metrics if m.name == "pair_accuracy")
    assert isinstance(metric, sl.PairAccuracy) and metric.threshold == 0.7
    assert isinstance(saved.loss, sl.ContrastiveLoss) and saved.loss.margin == 1.0
