"""save_model / load_model: identical round trip, safe_mode, atomic saves, clear errors."""

import subprocess
import sys
import zipfile

import numpy as np
import pytest

import siamese_lib as sl


@pytest.fixture(scope="module")
def trained(mnist):
    (x, y), _ = mnist
    sl.seed_everything(0)
    model = sl.build_siamese("mlp", "manhattan")
    sl.train(model, x[:5000], y[:5000], epochs=1, pairs_per_epoch=2048, margin=2.0, verbose=0)
    return model


def test_round_trip_gives_identical_distances(tmp_path, trained, small_mnist):
    _, (x, _) = small_mnist
    path = sl.save_model(trained, tmp_path / "models" / "mlp.keras")
    loaded = sl.load_model(path)
    np.testing.assert_array_equal(sl.pair_distances(trained, x[:300], x[300:600]),
                                  sl.pair_distances(loaded, x[:300], x[300:600]))
    assert loaded.get_layer("distance").metric == "manhattan"
    assert loaded.loss.margin == 2.0  # the compiled loss keeps its margin


def test_loads_in_a_fresh_process_with_safe_mode_and_no_custom_objects(tmp_path, trained):
    path = sl.save_model(trained, tmp_path / "m.keras")
    code = (
        "import siamese_lib, keras\n"
        f"m = keras.saving.load_model({str(path)!r}, safe_mode=True)\n"
        "print(type(m.get_layer('distance')).__name__, m.count_params())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.split() == ["PairDistance", "133504"]


def test_interrupted_save_keeps_the_old_file(tmp_path, trained, monkeypatch):
    path = sl.save_model(trained, tmp_path / "m.keras")
    before = path.read_bytes()

    def crash(self, filepath, *args, **kwargs):
        with open(filepath, "wb") as half_written:
            half_written.write(b"PK half a zip")
        raise KeyboardInterrupt

    monkeypatch.setattr(type(trained), "save", crash)
    with pytest.raises(KeyboardInterrupt):
        sl.save_model(trained, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.keras"]  # no temporary file left


def test_missing_file_says_how_to_make_one(tmp_path):
    with pytest.raises(sl.ModelFileError, match=r"No model file at .*notebooks/04_training"):
        sl.load_model(tmp_path / "none.keras")


def test_corrupt_file_says_how_to_make_one(tmp_path):
    (tmp_path / "junk.keras").write_bytes(b"\x00" * 100)
    with pytest.raises(sl.ModelFileError, match="not a Keras 3 model file.*save_model"):
        sl.load_model(tmp_path / "junk.keras")
    with zipfile.ZipFile(tmp_path / "empty.keras", "w") as archive:
        archive.writestr("hello.txt", "no model here")
    with pytest.raises(sl.ModelFileError, match="Could not load the model in .*empty.keras"):
        sl.load_model(tmp_path / "empty.keras")


def test_save_insists_on_keras_suffix(tmp_path, trained):
    with pytest.raises(ValueError, match=r"end in \.keras"):
        sl.save_model(trained, tmp_path / "model.h5")


def test_pair_distances_shapes_and_errors(trained, small_mnist):
    _, (x, _) = small_mnist
    d = sl.pair_distances(trained, x[:10], x[10:20])
    assert d.shape == (10,) and d.dtype == np.float32 and np.all(d >= 0)
    np.testing.assert_allclose(sl.pair_distances(trained, x[:10], x[:10]), 0.0, atol=1e-5)
    with pytest.raises(ValueError, match="same count"):
        sl.pair_distances(trained, x[:10], x[:9])


def test_evaluate_pairs_splits_accuracy(trained, small_mnist):
    _, (x, y) = small_mnist
    result = sl.evaluate_pairs(trained, x, y, n_pairs=400, threshold=0.9, seed=2)
    same = result.labels == 1
    predicted_same = result.distances < 0.9
    assert result.accuracy == pytest.approx(np.mean(predicted_same == same))
    assert result.same_accuracy == pytest.approx(np.mean(predicted_same[same]))
    assert result.different_accuracy == pytest.approx(np.mean(~predicted_same[~same]))
    np.testing.assert_array_equal(result.labels, (y[result.first] == y[result.second]))
