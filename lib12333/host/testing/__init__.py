"""
Hypothesis strategies for integrators' own test suites (CPython only).

One module per area; import the one you need, for example::

    from lib12333.host.testing.identifiers import citizen_ids

- ``lib12333.host.testing.categories``: national and extended category codes,
  malformed codes, valid extension tables.
- ``lib12333.host.testing.identifiers``: valid citizen ID numbers (18 and 15
  digits), unified social credit codes, card numbers, single-character mutants.

Other areas add their own module here.  This file imports nothing, so that
importing one area never pulls in the others.
"""
