"""Unit tests import their shared fake transport (fake_transport.py) from this folder."""
