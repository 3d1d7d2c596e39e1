"""konomi: learn how much one person likes an image."""

__version__ = "0.1.0"
