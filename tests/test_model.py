"""The Siamese model: the blog's MLP, one shared base network, and the three distances."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import siamese_lib as sl


def test_mlp_is_the_blogs_network():
    base = sl.build_base_network("mlp")
    assert base.count_params() == 133_504
    kinds = [type(layer).__name__ for layer in base.layers]
    assert kinds == ["InputLayer", "Flatten", "Dense", "Dropout", "Dense", "Dropout", "Dense"]
    dense = [layer for layer in base.layers if isinstance(layer, keras.layers.Dense)]
    assert [d.units for d in dense] == [128, 128, 128]
    assert all(d.activation.__name__ == "relu" for d in dense)
    assert [d.rate for d in base.layers if isinstance(d, keras.layers.Dropout)] == [0.1, 0.1]


def test_cnn_maps_images_to_embeddings():
    base = sl.build_base_network("cnn")
    assert base.output_shape == (None, 64)
    assert any(isinstance(layer, keras.layers.Conv2D) for layer in base.layers)
    embeddings = base(np.random.default_rng(0).random((3, 28, 28, 1), dtype=np.float32))
    np.testing.assert_allclose(np.linalg.norm(embeddings, axis=1), 1.0, rtol=1e-5)
    with pytest.raises(ValueError, match="'mlp', 'cnn' or 'conv4'"):
        sl.build_base_network("rnn")


def test_conv4_is_the_few_shot_backbone():
    """Four blocks of 64 filters, 28 -> 14 -> 7 -> 3 -> 1, unit-length 64-d embeddings."""
    base = sl.build_base_network("conv4")
    assert base.count_params() == 116_352
    assert base.get_layer("pool_4").output.shape == (None, 1, 1, 64)
    assert sum(isinstance(layer, keras.layers.BatchNormalization) for layer in base.layers) == 4
    embeddings = base(np.random.default_rng(0).random((3, 28, 28, 1), dtype=np.float32))
    np.testing.assert_allclose(np.linalg.norm(embeddings, axis=1), 1.0, rtol=1e-5)


@pytest.mark.parametrize("base", ["mlp", "cnn", "conv4"])
def test_both_inputs_share_one_base_network(base):
    model = sl.build_siamese(base)
    bases = [layer for layer in model.layers if isinstance(layer, keras.Model)]
    assert len(bases) == 1  # one tower object, called twice
    assert model.count_params() == bases[0].count_params()
    assert model.base_network is bases[0]
    assert isinstance(model, sl.SiameseModel)
    images = np.zeros((3, 28, 28, 1), np.float32)
    assert model([images, images]).shape == (3, 1)


def test_gradients_from_both_branches_add_up():
    """d(distance)/d(shared weights) is the sum of what each branch contributes."""
    keras.utils.set_random_seed(0)
    model = sl.build_siamese("mlp")
    base = model.base_network
    rng = np.random.default_rng(0)
    a, b = (rng.random((4, 28, 28, 1), dtype=np.float32) for _ in range(2))
    embedding_b = base(b, training=False)
    with tf.GradientTape(persistent=True) as tape:
        embedding_a = base(a, training=False)
        d_total = tf.reduce_sum(model([a, b], training=False))
        # Branch A alone: B's embedding held constant.
        d_a_only = tf.reduce_sum(tf.norm(embedding_a - tf.stop_gradient(embedding_b), axis=1))
    weights = base.trainable_weights
    total = tape.gradient(d_total, weights)
    from_a = tape.gradient(d_a_only, weights)
    with tf.GradientTape() as tape_b:
        embedding_b2 = base(b, training=False)
        d_b_only = tf.reduce_sum(tf.norm(tf.stop_gradient(embedding_a) - embedding_b2, axis=1))
    from_b = tape_b.gradient(d_b_only, weights)
    for g, ga, gb in zip(total, from_a, from_b, strict=True):
        np.testing.assert_allclose(g.numpy(), (ga + gb).numpy(), rtol=1e-4, atol=1e-6)


def _numpy_distance(metric, e1, e2):
    diff = e1 - e2
    if metric == "euclidean":
        return np.sqrt((diff**2).sum(axis=1, keepdims=True))
    if metric == "squared":
        return (diff**2).sum(axis=1, keepdims=True)
    return np.abs(diff).sum(axis=1, keepdims=True)


@pytest.mark.parametrize("metric", ["euclidean", "squared", "manhattan"])
def test_distance_layer_matches_numpy(metric):
    rng = np.random.default_rng(1)
    e1, e2 = rng.normal(size=(2, 6, 5)).astype(np.float32)
    got = keras.ops.convert_to_numpy(sl.PairDistance(metric)([e1, e2]))
    assert got.shape == (6, 1)
    np.testing.assert_allclose(got, _numpy_distance(metric, e1, e2), rtol=1e-5)


def test_seeds_worked_example():
    """W1 = (1, 2, 3), W2 = (2, 0, 3): squared 5, absolute 3, Euclidean sqrt(5)."""
    w1, w2 = np.array([[1.0, 2.0, 3.0]]), np.array([[2.0, 0.0, 3.0]])
    values = {m: float(sl.PairDistance(m)([w1, w2])[0, 0]) for m in sl.model.DISTANCES}
    assert values == pytest.approx({"euclidean": 5**0.5, "squared": 5.0, "manhattan": 3.0})


@pytest.mark.parametrize("metric", ["euclidean", "squared", "manhattan"])
def test_gradient_is_finite_when_embeddings_are_equal(metric):
    e = tf.Variable(np.ones((3, 4), np.float32))
    with tf.GradientTape() as tape:
        d = sl.PairDistance(metric)([e, tf.constant(np.ones((3, 4), np.float32))])
    gradient = tape.gradient(d, e).numpy()
    assert np.all(np.isfinite(gradient))
    naive = tf.Variable(np.ones((3, 4), np.float32))
    if metric == "euclidean":  # the unguarded square root really does blow up here
        with tf.GradientTape() as tape:
            d_naive = tf.sqrt(tf.reduce_sum(tf.square(naive - tf.ones((3, 4))), axis=1))
        assert not np.all(np.isfinite(tape.gradient(d_naive, naive).numpy()))


def test_distance_layer_round_trips_its_config():
    layer = sl.PairDistance("manhattan", epsilon=1e-6, name="d")
    copy = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(layer))
    assert isinstance(copy, sl.PairDistance)
    assert (copy.metric, copy.epsilon, copy.name) == ("manhattan", 1e-6, "d")
    with pytest.raises(ValueError, match="metric must be one of"):
        sl.PairDistance("cosine")


def test_no_lambda_layers():
    model = sl.build_siamese("mlp")
    every_layer = model.layers + model.base_network.layers
    assert not any(isinstance(layer, keras.layers.Lambda) for layer in every_layer)


def test_to_model_input_scales_and_checks_shapes():
    x = np.array([[[0, 255] * 14] * 28], dtype=np.uint8)
    out = sl.to_model_input(x)
    assert out.shape == (1, 28, 28, 1) and out.dtype == np.float32
    assert out.max() == 1.0 and out.min() == 0.0
    np.testing.assert_array_equal(sl.to_model_input(out), out)
    with pytest.raises(ValueError, match=r"Expected images of shape \(N, 28, 28\)"):
        sl.to_model_input(np.zeros((2, 32, 32)))
