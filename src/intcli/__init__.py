"""intcli: connect work accounts and query the capabilities they give."""

__version__ = "0.1.0"
