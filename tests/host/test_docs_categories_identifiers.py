"""The `>>>` examples of docs/categories.md and docs/identifiers.md are run as doctests."""

import doctest
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.mark.parametrize("name", ["categories.md", "identifiers.md"])
def test_doc_examples(name):
    result = doctest.testfile(
        os.path.join(ROOT, "docs", name), module_relative=False, optionflags=doctest.ELLIPSIS, verbose=False
    )
    assert result.attempted > 10
    assert result.failed == 0
