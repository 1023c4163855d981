"""sitegen: a static-site generator for a school news feed that obeys its social media policy."""

__version__ = "0.1.0"
