"""
The three-level public-service information library (部 → 省 → 市).

Small modules, import only what you need:

- ``docref``  — Chinese document numbers (发文字号) and dates written in Chinese numerals
- ``entry``   — one library entry (Q&A, policy item, procedure) and its validation
- ``merge``   — the national → provincial → city merge with expiry and conflict reports
- ``index``   — the on-device reader of the compact binary index (seek/read, no full load)
- ``search``  — character-bigram BM25 search for agents and integrators

The format of the on-device index is defined normatively in ``protocols/library/``.
"""
