"""Training recipes, each written down once: the blog's, the CNN that goes beyond it, and the
Omniglot network that recognises characters of alphabets it never saw.

    model, history = train_recipe("cnn", x_train, y_train)
    model, history = train_omniglot(omniglot.load_background(size=28))

Used by `make models` (siamese_lib.pretrained), `make bench` and notebooks 06 and 07.
"""

from __future__ import annotations

import keras
import numpy as np

from .class_batches import ClassBatches
from .losses import BatchContrastiveLoss, TripletLoss
from .model import build_base_network
from .pairs import steps_per_epoch
from .siamese_model import SiameseModel, build_siamese
from .training import seed_everything, train, train_embedding

RECIPES = {
    "blog": "the blog's recipe: MLP, RMSprop (defaults), batch 128, 20 epochs x 60,000 "
            "fresh pairs, margin 1",
    "cnn": "small CNN (three convolutions) with unit-length embeddings, Adam with cosine "
           "decay from 0.002, batch 128, 12 epochs x 60,000 fresh pairs shifted by up to 2 "
           "pixels, half of the images distorted as real handwriting is (strokes thicker or "
           "thinner, blur, low resolution, rotation, shear, aspect), margin 1",
}
CNN_EPOCHS = 12
CNN_LEARNING_RATE = 0.002
CNN_SHIFT = 2
# siamese_lib.augmentation: half of the training images distorted. Over 3 seeds it keeps MNIST's
# targets and reads distorted digits far better (benchmarks/robust_cnn.py, notebook 06).
CNN_AUGMENT = True


def cnn_optimizer(epochs: int = CNN_EPOCHS, pairs_per_epoch: int = 60_000,
                  batch_size: int = 128) -> keras.optimizers.Optimizer:
    """Adam whose learning rate falls from 0.002 to 0 along a cosine over the whole run."""
    steps = epochs * steps_per_epoch(pairs_per_epoch, batch_size)
    return keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(CNN_LEARNING_RATE, steps))


def train_recipe(
    name: str, x_train: np.ndarray, y_train: np.ndarray, *, epochs: int | None = None,
    distance: str = "euclidean", margin: float = 1.0, seed: int = 0, **train_args,
) -> tuple[keras.Model, keras.callbacks.History]:
    """Build and train the model of a named recipe (see `RECIPES`).

    Args:
        name: `"blog"` or `"cnn"`.
        epochs: override the recipe's number of epochs (e.g. for a quick look).
        distance, margin: the distance mapping and the contrastive margin.
        train_args: passed on to `train` (validation_data, verbose, callbacks, threshold,
            ...); `augment=True` distorts the CNN's training images
            (`siamese_lib.augmentation`).

    Returns:
        `(model, history)`.
    """
    if name not in RECIPES:
        raise ValueError(f"recipe must be one of {sorted(RECIPES)}, not {name!r}.")
    seed_everything(seed)
    if name == "blog":
        model = build_siamese("mlp", distance, margin=margin)
        history = train(model, x_train, y_train, epochs=epochs or 20, seed=seed, **train_args)
    else:
        epochs = epochs or CNN_EPOCHS
        model = build_siamese("cnn", distance, margin=margin)
        optimizer = cnn_optimizer(epochs, train_args.get("pairs_per_epoch", 60_000),
                                  train_args.get("batch_size", 128))
        train_args.setdefault("augment", CNN_AUGMENT)
        history = train(model, x_train, y_train, epochs=epochs, seed=seed,
                        optimizer=optimizer, shift=CNN_SHIFT, **train_args)
    return model, history


# The Omniglot recipe (notebook 07): Conv-4, trained on batches of classes instead of pairs. The
# base network, loss, rotated classes, distortions, batch make-up and epochs were chosen on two
# background alphabets held out as validation (Balinese, Sanskrit), never on the 20 official
# runs (benchmarks/omniglot_choices.py); the margins, learning rate, batch shape and
# distortion ranges are common defaults, not tuned.
OMNIGLOT_SIZE = 28
OMNIGLOT_VALIDATION_ALPHABETS = ("Balinese", "Sanskrit")
OMNIGLOT = {
    "base": "conv4", "classes_per_batch": 32, "images_per_class": 4, "batches_per_epoch": 100,
    "epochs": 20, "rotate_classes": True, "augment": True, "same_group": False,
    "learning_rate": 0.002,
}
MARGINS = {"triplet": 0.5, "contrastive": 1.0}
OMNIGLOT_RECIPE = (
    f"Conv-4 at {OMNIGLOT_SIZE}x{OMNIGLOT_SIZE}, trained on batches of "
    f"{OMNIGLOT['classes_per_batch']} Omniglot background characters x "
    f"{OMNIGLOT['images_per_class']} drawings with the semi-hard triplet loss (margin "
    f"{MARGINS['triplet']}); each character also turned by 90, 180 and 270 degrees as three new "
    "characters, every image randomly distorted (rotation, shear, scale, shift); Adam with "
    f"cosine decay from {OMNIGLOT['learning_rate']}, {OMNIGLOT['epochs']} epochs x "
    f"{OMNIGLOT['batches_per_epoch']} batches"
)


def train_omniglot(
    background, *, loss: str = "triplet", epochs: int | None = None, seed: int = 0,
    verbose: int = 2, callbacks: list[keras.callbacks.Callback] | None = None,
    **overrides,
) -> tuple[SiameseModel, keras.callbacks.History]:
    """Train the Omniglot recipe on a background set; return the Siamese model and the history.

    Args:
        background: an `OmniglotSet` at `OMNIGLOT_SIZE` (from `omniglot.load_background`), or
            a subset of it (e.g. without the validation alphabets).
        loss: `"triplet"` (`TripletLoss`, margin 0.5) or `"contrastive"`
            (`BatchContrastiveLoss`, margin 1): the same batches, only the loss differs.
        epochs: override the recipe's 20 epochs.
        overrides: any other key of `OMNIGLOT` (e.g. `augment=False`), to study one choice.

    Returns:
        `(model, history)`: `model` is a `SiameseModel` around the trained base network, like
        every Siamese model of the series; its margin is the loss's, and its threshold (half
        of it) is not calibrated: one-shot runs rank distances and need none.
    """
    settings = {**OMNIGLOT, **overrides, **({"epochs": epochs} if epochs is not None else {})}
    unknown = set(settings) - set(OMNIGLOT)
    if unknown:
        raise ValueError(f"unknown setting(s) {sorted(unknown)}: they are {sorted(OMNIGLOT)}.")
    if loss not in MARGINS:
        raise ValueError(f"loss must be one of {sorted(MARGINS)}, not {loss!r}.")
    shape = (*background.images.shape[1:], 1)
    seed_everything(seed)
    base = build_base_network(settings["base"], input_shape=shape)
    batches = ClassBatches(
        background.images, background.characters, groups=background.alphabets,
        classes_per_batch=settings["classes_per_batch"],
        images_per_class=settings["images_per_class"],
        batches_per_epoch=settings["batches_per_epoch"], same_group=settings["same_group"],
        rotate_classes=settings["rotate_classes"], augment=settings["augment"], seed=seed,
    )
    loss_object = (TripletLoss(MARGINS["triplet"]) if loss == "triplet"
                   else BatchContrastiveLoss(MARGINS["contrastive"]))
    history = train_embedding(base, batches, loss=loss_object, epochs=settings["epochs"],
                              learning_rate=settings["learning_rate"], seed=seed,
                              verbose=verbose, callbacks=callbacks)
    return build_siamese(base, margin=MARGINS[loss], input_shape=shape), history
