"""SiameseModel: one object that owns its base network, distance, margin and threshold."""

import keras
import numpy as np
import pytest

import siamese_lib as sl


@pytest.fixture(scope="module")
def trained(small_mnist):
    (x, y), _ = small_mnist
    sl.seed_everything(0)
    model = sl.build_siamese("mlp", "manhattan", margin=2.0)
    sl.train(model, x, y, epochs=1, pairs_per_epoch=1024, verbose=0)
    return model


def test_the_file_keeps_base_network_distance_margin_and_threshold(trained, small_mnist, tmp_path):
    _, (x_test, y_test) = small_mnist
    trained.threshold = 0.8125
    path = sl.save_model(trained, tmp_path / "m.keras")
    loaded = sl.load_model(path)  # safe_mode=True, no custom_objects
    assert isinstance(loaded, sl.SiameseModel)
    assert (loaded.distance_layer.metric, loaded.margin, loaded.threshold) == (
        "manhattan", 2.0, 0.8125)
    np.testing.assert_array_equal(loaded.distance(x_test[:50], x_test[50:100]),
                                  trained.distance(x_test[:50], x_test[50:100]))
    assert loaded.base_network.count_params() == loaded.count_params() == 133_504


def test_train_uses_and_keeps_the_models_margin_and_threshold(small_mnist):
    (x, y), _ = small_mnist
    model = sl.build_siamese("mlp", margin=2.0)
    assert (model.margin, model.threshold) == (2.0, 1.0)  # threshold: half the margin
    sl.train(model, x, y, epochs=1, pairs_per_epoch=256, verbose=0)
    assert model.loss.margin == 2.0 and model.threshold == 1.0
    sl.train(model, x, y, epochs=1, pairs_per_epoch=256, verbose=0, margin=1.0, threshold=0.4)
    assert (model.margin, model.threshold) == (1.0, 0.4)


def test_verify_embed_and_distance_agree_with_calling_the_model(trained, small_mnist):
    _, (x_test, _) = small_mnist
    a, b = x_test[:20], x_test[20:40]
    called = keras.ops.convert_to_numpy(
        trained([sl.to_model_input(a), sl.to_model_input(b)])).reshape(-1)
    distances, same = trained.verify(a, b)
    np.testing.assert_allclose(distances, called, rtol=1e-6)
    np.testing.assert_array_equal(same, distances < trained.threshold)
    embeddings = trained.embed(a)
    assert embeddings.shape == (20, 128) and embeddings.dtype == np.float32
    manhattan = np.abs(embeddings - trained.embed(b)).sum(axis=1)
    np.testing.assert_allclose(distances, manhattan, rtol=1e-5)


def test_nearest_ranks_by_the_models_own_distance(trained, small_mnist):
    _, (x_test, _) = small_mnist
    references = x_test[100:400]
    indices, distances = trained.nearest(x_test[:5], references, k=3)
    for query, row, kept in zip(x_test[:5], indices, distances, strict=True):
        every = trained.distance(np.repeat(query[None], len(references), axis=0), references)
        np.testing.assert_array_equal(row, np.argsort(every, kind="stable")[:3])
        np.testing.assert_allclose(kept, every[row], rtol=1e-5)
    embedded = trained.embed(references)  # embeddings made once can be passed instead
    np.testing.assert_array_equal(trained.nearest(x_test[:5], embedded, k=3)[0], indices)


def test_calibrate_chooses_the_threshold_on_validation_pairs_and_keeps_it(trained, small_mnist):
    (x, y), (x_test, y_test) = small_mnist
    threshold, accuracy = trained.calibrate(x[2000:], y[2000:], n_pairs=2000)
    assert trained.threshold == threshold
    pairs = sl.evaluate_pairs(trained, x[2000:], y[2000:], n_pairs=2000, seed=2)
    assert (threshold, accuracy) == sl.calibrate_threshold(labels=pairs.labels,
                                                           distances=pairs.distances)
    assert trained.evaluate_pairs(x_test, y_test).threshold == threshold
    assert trained.evaluate_pairs(x_test, y_test, threshold=0.1).threshold == 0.1


def test_a_model_file_from_before_0_2_loads_as_a_siamese_model(small_mnist, tmp_path):
    """The functional model earlier versions saved: two inputs, one base network, a distance."""
    _, (x_test, _) = small_mnist
    base = sl.build_base_network("mlp")
    image_a, image_b = keras.Input((28, 28, 1), name="image_a"), keras.Input((28, 28, 1),
                                                                             name="image_b")
    d = sl.PairDistance("squared", name="distance")([base(image_a), base(image_b)])
    legacy = keras.Model([image_a, image_b], d, name="siamese")
    path = sl.save_model(legacy, tmp_path / "old.keras")
    loaded = sl.load_model(path)
    assert isinstance(loaded, sl.SiameseModel)
    assert (loaded.distance_layer.metric, loaded.margin, loaded.threshold) == ("squared", 1.0, 0.5)
    np.testing.assert_array_equal(loaded.distance(x_test[:30], x_test[30:60]),
                                  sl.pair_distances(legacy, x_test[:30], x_test[30:60]))
    pseudo = sl.load_model(sl.save_model(sl.build_pseudo_siamese(), tmp_path / "pseudo.keras"))
    assert not isinstance(pseudo, sl.SiameseModel)  # two towers: left as it is


def test_the_shipped_models_carry_their_thresholds():
    from siamese_lib.pretrained import PRETRAINED_DIR, model_card

    for name in ("cnn", "mlp_blog_recipe"):  # both calibrated on their held-out 5,000 images
        model = sl.load_model(PRETRAINED_DIR / f"{name}.keras")
        assert isinstance(model, sl.SiameseModel)
        assert round(model.threshold, 4) == model_card(name)["threshold"] != 0.5
