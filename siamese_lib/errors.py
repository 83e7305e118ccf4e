"""The errors siamese_lib raises for bad input: each message says what is wrong and what to do."""


class SiameseLibError(ValueError):
    """Base class: bad input that the user can fix (a file, an image, a model)."""


class DataFileError(SiameseLibError):
    """An MNIST-style IDX file is missing, truncated, malformed or fails its checksum."""


class ImageFileError(SiameseLibError):
    """An image file cannot be read as a digit image."""


class ModelFileError(SiameseLibError):
    """A saved model file is missing or cannot be loaded."""
