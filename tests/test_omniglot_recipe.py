"""The Omniglot recipe and its shipped model's card, with short stand-ins for the training."""

import json

import keras
import numpy as np
import pytest

import siamese_lib as sl
from siamese_lib import omniglot, pretrained, recipes


@pytest.fixture(scope="module")
def small_background():
    """Two alphabets of the background set, at the recipe's size."""
    background = omniglot.load_background(size=recipes.OMNIGLOT_SIZE)
    return background.subset(background.alphabets < 2)


def test_train_omniglot_builds_a_siamese_model(small_background):
    model, history = recipes.train_omniglot(small_background, epochs=1, batches_per_epoch=3,
                                            verbose=0)
    base = model.base_network
    assert base.name == "base_network_conv4" and base.output_shape == (None, 64)
    assert isinstance(base.loss, sl.TripletLoss) and base.loss.margin == 0.5
    assert len(history.history["loss"]) == 1 and np.isfinite(history.history["loss"][0])
    d = sl.pair_distances(model, small_background.images[:2], small_background.images[2:4])
    assert d.shape == (2,) and np.all((d >= 0) & (d <= 2))  # unit-length embeddings


def test_train_omniglot_contrastive_and_bad_settings(small_background):
    model, _ = recipes.train_omniglot(small_background, loss="contrastive", epochs=1,
                                      batches_per_epoch=2, base="cnn", verbose=0)
    assert isinstance(model.base_network.loss, sl.BatchContrastiveLoss)
    with pytest.raises(ValueError, match="unknown setting"):
        recipes.train_omniglot(small_background, batch_size=3)
    with pytest.raises(ValueError, match="not 'hinge'"):
        recipes.train_omniglot(small_background, loss="hinge")


def test_omniglot_card_matches_the_model(monkeypatch, tmp_path):
    """`make models` for Omniglot, with 2 batches instead of 2,000: card, files, accuracy."""
    real = recipes.train_omniglot
    seen = {}

    def quick(background, **kwargs):
        seen["images"] = len(background.images)
        return real(background, epochs=1, batches_per_epoch=2, **kwargs)

    monkeypatch.setattr(pretrained, "train_omniglot", quick)
    monkeypatch.setattr(pretrained, "PRETRAINED_DIR", tmp_path)
    card = pretrained.make_pretrained("omniglot")
    assert seen == {"images": 4840} and card["training_images"] == 4840
    assert card == json.loads((tmp_path / "omniglot.json").read_text())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["omniglot.json", "omniglot.keras"]
    loaded = sl.load_model(tmp_path / "omniglot.keras")
    runs = omniglot.load_one_shot_runs(size=recipes.OMNIGLOT_SIZE)
    accuracy, per_run = sl.one_shot_accuracy(
        runs, sl.embedding_distances(loaded.base_network))
    assert accuracy == pytest.approx(card["one_shot_accuracy"], abs=1e-4)
    assert [round(float(a), 2) for a in per_run] == card["one_shot_accuracy_per_run"]


def test_shipped_omniglot_card_states_what_the_model_scores():
    """The shipped model and its card agree, and it beats the Modified Hausdorff Distance."""
    card = pretrained.model_card("omniglot")
    model = sl.load_model(pretrained.PRETRAINED_DIR / "omniglot.keras")
    assert isinstance(model, keras.Model)
    runs = omniglot.load_one_shot_runs(size=card["input_size"])
    accuracy, _ = sl.one_shot_accuracy(runs, sl.embedding_distances(model.base_network))
    assert accuracy == pytest.approx(card["one_shot_accuracy"], abs=0.0051)
    assert accuracy > 0.6125
