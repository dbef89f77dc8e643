"""Kunskapshus Research: parameterised notebooks rendered into Swedish briefings."""

__version__ = "0.1.0"
