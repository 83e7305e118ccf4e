"""What the blog reported, copied from its training log (Keras 2, 20 epochs).

The blog's numbers are on its own TRAINING pairs (it never measured test pairs), with its own
accuracy metric. Kept here once, so notebooks and README quote the same values.
"""

BLOG_RECIPE = {
    "base network": "MLP: Dense(128, relu), Dropout(0.1), Dense(128, relu), Dropout(0.1), "
                    "Dense(128, relu)",
    "distance": "Euclidean",
    "loss": "contrastive, margin 1",
    "accuracy rule": "same when d < 0.5",
    "optimizer": "RMSprop (default settings)",
    "batch size": 128,
    "epochs": 20,
    "pairs": "60,000 random pairs, half same, half different",
}

# The blog's log, epochs 1 to 20.
BLOG_LOG = {
    "loss": [0.1248, 0.0610, 0.0413, 0.0313, 0.0254, 0.0223, 0.0193, 0.0175, 0.0157, 0.0143,
             0.0135, 0.0126, 0.0118, 0.0113, 0.0105, 0.0105, 0.0096, 0.0097, 0.0093, 0.0093],
    "pair_accuracy": [0.8416, 0.9370, 0.9601, 0.9704, 0.9761, 0.9780, 0.9806, 0.9825, 0.9840,
                      0.9855, 0.9863, 0.9868, 0.9879, 0.9885, 0.9899, 0.9892, 0.9900, 0.9901,
                      0.9906, 0.9906],
}
