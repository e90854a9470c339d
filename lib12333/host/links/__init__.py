"""Operator links on the emulated network."""
