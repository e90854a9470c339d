"""Shared by every test: the hypothesis profiles (ci, dev, thorough) are registered before collection."""

import tests.hypothesis_profiles  # noqa: F401  (registers and loads the profile)
