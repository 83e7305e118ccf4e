"""load_mnist: the shipped copy's known facts, other folders, and every kind of bad file."""

import gzip
import hashlib
import shutil

import numpy as np
import pytest

import siamese_lib as sl
from siamese_lib.mnist import IDX_NAMES, SHIPPED_MNIST_DIR


def test_shipped_train_split_matches_known_facts(mnist):
    (x_train, y_train), _ = mnist
    assert x_train.shape == (60000, 28, 28) and x_train.dtype == np.uint8
    assert y_train.shape == (60000,) and y_train.dtype == np.uint8
    assert np.bincount(y_train).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265,
                                             5851, 5949]
    assert y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    scaled = x_train.astype(np.float32) / 255
    assert scaled.mean() == pytest.approx(0.1307, abs=5e-5)
    assert scaled.std() == pytest.approx(0.3081, abs=5e-5)


def test_shipped_test_split_matches_known_facts(mnist):
    _, (x_test, y_test) = mnist
    assert x_test.shape == (10000, 28, 28) and x_test.dtype == np.uint8
    assert np.bincount(y_test).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974,
                                            1009]
    assert y_test[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    scaled = x_test.astype(np.float32) / 255
    assert scaled.mean() == pytest.approx(0.1325, abs=5e-5)
    assert scaled.std() == pytest.approx(0.3105, abs=5e-5)


def _small_idx_folder(folder, gz=True, n_train=12, n_test=7, with_sums=False):
    """Write a tiny MNIST-style data set of random digits; return its arrays."""
    rng = np.random.default_rng(0)
    arrays = {
        "train_images": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train_labels": rng.integers(0, 10, n_train, dtype=np.uint8),
        "test_images": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "test_labels": rng.integers(0, 10, n_test, dtype=np.uint8),
    }
    folder.mkdir(exist_ok=True)
    for key, name in IDX_NAMES.items():
        sl.write_idx(folder / (name + (".gz" if gz else "")), arrays[key])
    if with_sums:
        lines = []
        for name in IDX_NAMES.values():
            file = folder / (name + (".gz" if gz else ""))
            content = gzip.decompress(file.read_bytes()) if gz else file.read_bytes()
            lines.append(f"{hashlib.sha256(content).hexdigest()}  {name}")
        (folder / "SHA256SUMS").write_text("\n".join(lines) + "\n")
    return arrays


@pytest.mark.parametrize("gz", [True, False])
def test_any_idx_folder_loads_plain_or_gz(tmp_path, gz):
    arrays = _small_idx_folder(tmp_path / "set", gz=gz)
    (x_train, y_train), (x_test, y_test) = sl.load_mnist(tmp_path / "set")
    np.testing.assert_array_equal(x_train, arrays["train_images"])
    np.testing.assert_array_equal(y_train, arrays["train_labels"])
    np.testing.assert_array_equal(x_test, arrays["test_images"])
    np.testing.assert_array_equal(y_test, arrays["test_labels"])


def test_shipped_copy_loads_through_path_too(tmp_path, mnist):
    """A copied folder with SHA256SUMS is verified and gives the same arrays."""
    shutil.copytree(SHIPPED_MNIST_DIR, tmp_path / "mnist")
    (x_train, y_train), (x_test, y_test) = sl.load_mnist(tmp_path / "mnist")
    np.testing.assert_array_equal(y_train, mnist[0][1])
    np.testing.assert_array_equal(x_test, mnist[1][0])


def test_sums_file_without_a_line_for_a_file(tmp_path):
    _small_idx_folder(tmp_path, with_sums=True)
    sums = tmp_path / "SHA256SUMS"
    sums.write_text("".join(sums.read_text().splitlines(keepends=True)[1:]))
    with pytest.raises(sl.DataFileError, match="has no line for train-images-idx3-ubyte"):
        sl.load_mnist(tmp_path)


def test_sums_file_with_a_comment_and_with_a_malformed_line(tmp_path):
    """The SHA256SUMS reader shared with Omniglot: comments skipped, bad lines named."""
    arrays = _small_idx_folder(tmp_path, with_sums=True)
    sums = tmp_path / "SHA256SUMS"
    sums.write_text("# made by sha256sum\n" + sums.read_text())
    (x_train, _), _ = sl.load_mnist(tmp_path)
    np.testing.assert_array_equal(x_train, arrays["train_images"])
    sums.write_text("one two three\n" + sums.read_text())
    with pytest.raises(sl.DataFileError, match="not '<sha256>  <file>'"):
        sl.load_mnist(tmp_path)


def test_missing_file_names_the_file(tmp_path):
    _small_idx_folder(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(sl.DataFileError, match=r"Missing IDX file: .*t10k-labels-idx1-ubyte"):
        sl.load_mnist(tmp_path)


def test_missing_folder_says_what_to_do(tmp_path):
    with pytest.raises(sl.DataFileError, match="MNIST folder not found.*Pass path="):
        sl.load_mnist(tmp_path / "nowhere")


def test_truncated_plain_file(tmp_path):
    _small_idx_folder(tmp_path, gz=False)
    file = tmp_path / "train-images-idx3-ubyte"
    file.write_bytes(file.read_bytes()[:-100])
    with pytest.raises(sl.DataFileError, match=r"train-images-idx3-ubyte holds .* truncated"):
        sl.load_mnist(tmp_path)


def test_truncated_gzip_file(tmp_path):
    _small_idx_folder(tmp_path)
    file = tmp_path / "train-images-idx3-ubyte.gz"
    file.write_bytes(file.read_bytes()[:-50])
    with pytest.raises(sl.DataFileError, match=r"Corrupt or truncated gzip file: .*train-images"):
        sl.load_mnist(tmp_path)


def test_wrong_magic_number(tmp_path):
    _small_idx_folder(tmp_path, gz=False)
    # A label file where the images belong: magic 0x801 instead of 0x803.
    shutil.copy(tmp_path / "t10k-labels-idx1-ubyte", tmp_path / "t10k-images-idx3-ubyte")
    with pytest.raises(sl.DataFileError, match=r"t10k-images-idx3-ubyte has magic number "
                                               r"0x00000801, expected 0x00000803"):
        sl.load_mnist(tmp_path)


def test_image_and_label_counts_disagree(tmp_path):
    _small_idx_folder(tmp_path)
    sl.write_idx(tmp_path / "train-labels-idx1-ubyte.gz", np.zeros(11, np.uint8))
    with pytest.raises(sl.DataFileError, match="train split has 12 images but 11 labels"):
        sl.load_mnist(tmp_path)


def test_checksum_mismatch_names_file(tmp_path):
    _small_idx_folder(tmp_path, with_sums=True)
    (x_train, _), _ = sl.load_mnist(tmp_path)  # the sums match
    x_train[0, 0, 0] ^= 1
    sl.write_idx(tmp_path / "train-images-idx3-ubyte.gz", x_train)  # one pixel changed
    with pytest.raises(sl.DataFileError, match=r"Checksum mismatch for .*train-images"):
        sl.load_mnist(tmp_path)


def test_shipped_sums_are_the_readme_sums():
    """siamese_lib/data/mnist/SHA256SUMS is the one published with the offline copy."""
    sums = (SHIPPED_MNIST_DIR / "SHA256SUMS").read_text()
    assert "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db  " \
           "train-images-idx3-ubyte" in sums
    assert len(sums.splitlines()) == 4


def test_keras_source_gives_same_dtypes(monkeypatch):
    import keras

    def fake_load_data():
        x = np.zeros((4, 28, 28), np.uint8)
        return (x, np.arange(4, dtype=np.int64)), (x[:2], np.arange(2, dtype=np.int64))

    monkeypatch.setattr(keras.datasets.mnist, "load_data", fake_load_data)
    (x_train, y_train), (x_test, y_test) = sl.load_mnist(source="keras")
    assert x_train.dtype == np.uint8 and y_train.dtype == np.uint8
    assert y_train.tolist() == [0, 1, 2, 3] and len(x_test) == 2 and y_test.dtype == np.uint8


def test_keras_source_offline_says_use_shipped_copy(monkeypatch):
    import keras

    def offline():
        raise OSError("Temporary failure in name resolution")

    monkeypatch.setattr(keras.datasets.mnist, "load_data", offline)
    with pytest.raises(sl.DataFileError, match="could not download MNIST.*shipped copy"):
        sl.load_mnist(source="keras")


def test_unknown_source():
    with pytest.raises(ValueError, match="source must be 'files' or 'keras'"):
        sl.load_mnist(source="internet")
