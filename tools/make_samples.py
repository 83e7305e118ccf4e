"""Make the sample files shipped in siamese_lib/data/samples/ (run from the repository root:
`.venv/bin/python tools/make_samples.py`).

All are synthetic, made from MNIST test digits, so that notebook 05 and the tests have files
of every awkward kind to upload. None is a real photo.
"""

import io

import numpy as np
from PIL import Image

import siamese_lib as sl

HERE = sl.places.shipped("samples")


def upscale(image: np.ndarray, side: int) -> np.ndarray:
    """A uint8 (28, 28) digit as float (side, side) in [0, 1], smoothly enlarged."""
    big = Image.fromarray(image).resize((side, side), Image.Resampling.BICUBIC)
    return np.clip(np.asarray(big, np.float32) / 255.0, 0.0, 1.0)


def main() -> None:
    _, (x_test, y_test) = sl.load_mnist()
    rng = np.random.default_rng(0)
    first = {digit: int(np.flatnonzero(y_test == digit)[0]) for digit in range(10)}

    # A "photo": dark ink on paper, lit from one side, with sensor noise, saved as JPEG.
    ink = upscale(x_test[first[3]], 320)
    light = np.linspace(0.55, 1.0, 320)[None, :] * np.linspace(0.85, 1.0, 320)[:, None]
    photo = np.clip((1.0 - 0.8 * ink) * light + rng.normal(0, 0.03, ink.shape), 0, 1)
    rgb = np.stack([photo, photo * 0.97, photo * 0.92], axis=-1)  # warm paper
    Image.fromarray((rgb * 255).astype(np.uint8)).save(HERE / "photo_3.jpg", quality=85)

    # A drawing: black strokes on a transparent background (RGBA).
    alpha = (upscale(x_test[first[7]], 224) > 0.4).astype(np.uint8) * 255
    rgba = np.zeros((224, 224, 4), np.uint8)
    rgba[..., 3] = alpha
    Image.fromarray(rgba).save(HERE / "drawing_7.png")

    # Light ink on a dark board.
    chalk = 0.15 + 0.8 * upscale(x_test[first[5]], 200)
    Image.fromarray((chalk * 255).astype(np.uint8)).save(HERE / "chalk_5.png")

    # An animated GIF: a 4, then a 1. Only the first frame counts.
    frames = [Image.fromarray(255 - (upscale(x_test[first[d]], 112) * 255).astype(np.uint8))
              for d in (4, 1)]
    frames[0].save(HERE / "animated_4.gif", save_all=True, append_images=frames[1:],
                   duration=500, loop=0)

    # A 16-bit greyscale scan of a 2 (values up to 65535).
    scan = (65535 * (1.0 - 0.9 * upscale(x_test[first[2]], 160))).astype(np.uint16)
    Image.fromarray(scan).save(HERE / "scan16_2.png")

    # Not an image at all, despite its name.
    (HERE / "not_an_image.png").write_text("These are notes, not a picture.\n")

    buffer = io.BytesIO()
    Image.new("L", (200, 200), 255).save(buffer, format="PNG")
    (HERE / "blank.png").write_bytes(buffer.getvalue())


if __name__ == "__main__":
    main()
