"""
Hypothesis profiles: how hard the property tests try, chosen once per run instead of in each test.

- ``ci`` (the default): every test runs the example count written beside it; what CI and
  ``scripts/test`` run.
- ``dev``: a fifth of that, for ``scripts/test --fast`` and the edit-test loop.
- ``thorough``: ten times that and no deadline, for a night run or before a release.

Pick one with ``HYPOTHESIS_PROFILE=dev`` or ``pytest --hypothesis-profile=dev``. A test states its
weight relative to the others as ``@settings(max_examples=examples(300))``: 300 under ``ci``, 60
under ``dev``, 3000 under ``thorough``. Tests without ``max_examples`` get the profile's own count.
"""

import os

from hypothesis import settings

CI_EXAMPLES = 100  # hypothesis's own default: the counts written in the tests are meant for it

settings.register_profile("ci", max_examples=CI_EXAMPLES, print_blob=True)
settings.register_profile("dev", max_examples=CI_EXAMPLES // 5)
settings.register_profile("thorough", max_examples=CI_EXAMPLES * 10, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def examples(weight):
    """``weight`` examples under ``ci``, scaled by the active profile (at least one)."""
    scale = settings.default.max_examples / CI_EXAMPLES
    return max(1, int(weight * scale + 0.5))
