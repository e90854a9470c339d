"""
Routing for 12333 / 12370: regions, numbers, dialling and declarative routing rules.

Modules (import the one you need; this package imports nothing itself):

* ``regions``  -- division-code arithmetic and the ``RegionTable`` reader for
  ``lib12333/data/regions.txt`` (area codes <-> prefectures <-> provinces);
* ``numbers``  -- normalise +86 / 0086 / 0571-12333 / mobile / local numbers;
* ``dialing``  -- which centre a dialled service number reaches from a caller;
* ``clock``    -- dates, times of day and the holiday calendar (no wall clock);
* ``schema``, ``analysis``, ``loader`` -- the JSON rule set: checks and compilation;
* ``engine``   -- ``Request``, ``Decision`` and the compiled ``RuleSet``
  (``evaluate`` and ``explain``).

docs/routing.md describes the data, the rule schema and the presets.
"""
