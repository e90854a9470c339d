"""
SMS for 12333: GSM 03.38 / UCS2 (UTF-16) text, the TS 23.040 PDU codec,
concatenation, splitting, reassembly and the 12333 SMS rules.

This file imports nothing: import the sub-module you need, so a microcontroller
pays only for what it uses.  Every decoder raises only ``lib12333.errors``
exceptions (``DecodeError`` for bad bytes, ``ValidationError`` for arguments that
break a rule, ``CapacityError`` never: the reassembler evicts instead).

Public API (stable; the modem engine builds on it)
==================================================

Decoding -- ``lib12333.sms.pdu``
--------------------------------
``decode(data, smsc=True) -> Message``
    ``data`` is the PDU as bytes (what ``+CMGR`` / ``+CMT`` / ``+CDS`` / ``+CMGL``
    print, converted from hex).  With ``smsc=True`` (the AT default) the PDU starts
    with the SMSC address (``00`` when empty); with ``smsc=False`` it is a bare TPDU.
``decode_hex(text, smsc=True) -> Message``
    The same from a hex string (upper or lower case, surrounding spaces allowed).

``Message`` attributes (``None`` when the TPDU type has no such field):

    type            "SMS-DELIVER", "SMS-SUBMIT" or "SMS-STATUS-REPORT"
    smsc            SMSC number as text ("+8613800571500"), None when empty/absent
    smsc_toa        SMSC type-of-address octet (0x91...) or None
    number          originator (DELIVER), destination (SUBMIT), recipient (STATUS-REPORT)
                    as text: "+86138..." for international (TON 1), digits for others,
                    the decoded name for alphanumeric (TON 5)
    toa             type-of-address octet of ``number`` (0x91, 0x81, 0xA1, 0xD0, ...)
    pid             TP-PID (int)
    dcs             TP-DCS (int); decoded by the next four attributes
    encoding        "gsm7", "8bit" or "ucs2"
    msg_class       0..3 or None;  ``flash`` is True for class 0
    compressed      True when the DCS says compressed (text is then None)
    dcs_group       "general", "auto-delete", "mwi-discard", "mwi-store", "mwi-store-ucs2",
                    "data-class" or "reserved"
    mr              TP-MR (SUBMIT, STATUS-REPORT)
    srr             TP-SRR (SUBMIT) / TP-SRI (DELIVER) / TP-SRQ (STATUS-REPORT), bool
    more_messages   DELIVER/STATUS-REPORT: True when TP-MMS says more messages are waiting (bit 0)
    rd              TP-RD reject duplicates (SUBMIT), bool
    reply_path      TP-RP, bool
    scts            ``Timestamp`` (DELIVER, STATUS-REPORT) or None
    vp              ``Validity`` (SUBMIT) or None
    udh             list of ``(iei, bytes)`` information elements in order, unknown ones
                    kept; [] when there is no header
    concat          ``Concat`` (attributes ref, total, seq, bits 8/16) or None
    ports           ``(destination_port, source_port)`` from IEI 0x05 (or 0x04) or None
    text            decoded text (gsm7/ucs2); None for 8-bit data and compressed text
    data            user data bytes after the header (8-bit payload; UTF-16BE bytes for
                    UCS2; unpacked septets for gsm7)
    udl             TP-UDL as sent (septets for gsm7, octets otherwise)
    discharge       ``Timestamp`` TP-DT (STATUS-REPORT)
    status          TP-ST int (STATUS-REPORT); ``status_kind`` is "delivered",
                    "pending", "failed" or "reserved"; ``status_text`` explains the code
    tpdu_length     length of the TPDU in octets (what AT+CMGS / +CMGR length counts)
    to_dict()       an ordered dict with JSON-ready values (the CLI ``--json`` shape)

``Timestamp`` (``lib12333.sms.scts``): ``year, month, day, hour, minute, second,
tz_minutes`` (offset east of UTC, e.g. +480 for China), ``isoformat()`` ->
"2026-11-29T11:05:00+08:00", ``to_bytes()``, ``Timestamp.from_bytes(b, pos=0)``.
Century pivot: a two-digit year YY is 2000+YY when YY < 70 and 1900+YY otherwise
(so "99" is 1999, "26" is 2026).

``Validity`` (``lib12333.sms.scts``): ``kind`` "relative", "absolute" or "enhanced";
``seconds`` (relative duration; enhanced durations too; None for absolute);
``timestamp`` (absolute); ``raw`` (the octets).  Build one with
``Validity.relative(seconds)`` (rounded up to the next representable step),
``Validity.absolute(timestamp)`` or ``Validity.enhanced(seconds)``.

Encoding -- ``lib12333.sms.encode``
-----------------------------------
``encode_submit(number, text=None, data=None, smsc=None, ref=None, ...) -> [Part]``
    One SMS-SUBMIT per part.  Give ``text`` (str: the cheapest of gsm7/ucs2 is chosen
    unless ``encoding="gsm7"|"ucs2"`` forces one) or ``data`` (bytes: 8-bit).
    Keyword options: ``encoding``, ``msg_class`` (0..3), ``flash`` (class 0),
    ``vp`` (``Validity`` or int seconds -> relative), ``srr`` (status report),
    ``mr`` (TP-MR, default 0: modems usually replace it), ``rd`` (reject duplicates),
    ``reply_path``, ``pid``, ``ports=(dest, src)`` (16-bit application ports),
    ``ref`` (concatenation reference, REQUIRED when the message needs more than one
    part; use ``RefCounter``), ``ref16`` (16-bit references), ``max_parts``
    (ValidationError when exceeded), ``extra_ies`` (list of ``(iei, bytes)`` added
    to every part's header), ``toa`` / ``smsc_toa`` (force a type-of-address octet,
    e.g. 0xA1 national).  ``number`` "+86..." = international, other digits =
    unknown/national, letters = alphanumeric.  ``smsc`` None -> "00" prefix (use
    the SIM's SMSC).
``encode_deliver(number, scts, text=None, data=None, smsc=None, ref=None, ...) -> [Part]``
    SMS-DELIVER for emulators; same options as submit (no vp/rd/mr) plus
    ``more_messages`` (default False) and ``sri``.
``encode_status_report(number, mr, scts, discharge, status=0, smsc=None, srq=False, more_messages=False) -> Part``

``Part`` attributes: ``pdu`` (bytes, SMSC prefix included), ``hex`` (upper-case hex of
``pdu``), ``tpdu_length`` (the number ``AT+CMGS=<n>`` needs), ``seq`` and ``total``
(1-based; 1/1 for single messages), ``text`` (this part's text or None), ``encoding``.

``RefCounter(start=0, bits=8, max_numbers=64)``: ``next(number) -> int`` returns a
concatenation reference unique per destination (wraps at 2**bits); ``state()`` ->
dict and ``RefCounter.from_state(d)`` let the caller persist it.

Splitting -- ``lib12333.sms.split``
-----------------------------------
``plan(text, encoding=None, ports=False, ref16=False, extra_udh_len=0) -> Plan``
    ``Plan`` attributes: ``encoding`` ("gsm7"/"ucs2"), ``parts`` (list of str),
    ``units`` (septets or UTF-16 units used in each part), ``capacity`` (per part),
    ``count`` (number of parts), ``left`` (characters-units still free in the last part).
    Never splits an escape sequence or a surrogate pair.
``septets(text) -> int`` (escape = 2; ValidationError for non-GSM characters), ``is_gsm7(text) -> bool``, ``utf16_units(text) -> int``.

Reassembly -- ``lib12333.sms.reassembly``
-----------------------------------------
``Reassembler(timeout=3600, max_sets=16, max_bytes=8192)``
    ``add(message, now) -> Message or None``: ``message`` is a decoded ``Message``
    (DELIVER or SUBMIT), ``now`` the caller's clock in seconds.  Returns the complete
    message when the last part arrives (``text``/``data`` joined, ``concat`` None,
    ``parts`` = number of parts, other fields from part 1) or at once for a single
    message; None while waiting.  Duplicates are ignored, order does not matter,
    sets are keyed by (sender number, ref, total, bits).
    ``expire(now) -> [Evicted]``: drop sets older than ``timeout``.
    ``take_evicted() -> [Evicted]``: every set dropped so far (timeout, or capacity
    when ``max_sets`` / ``max_bytes`` is exceeded: oldest first), cleared on read.
    ``Evicted`` attributes: ``number``, ``ref``, ``total``, ``received`` (sorted seqs),
    ``reason`` ("timeout" / "capacity"), ``messages`` (the parts, by seq), ``text``
    (the received parts joined, with "…" where parts are missing).
    ``pending`` -> number of incomplete sets; ``pending_bytes``.

12333 rules -- ``lib12333.sms.policy``
--------------------------------------
``Policy(signature, one_part_notices=False, fen_per_part=10, max_parts=10,
civil_service_on_12333=False)``
    ``signature``: the sending unit, e.g. "【XX市人力资源社会保障电话咨询服务中心】"
    (ConfigError when empty).
    ``check(text, service="consultation", notice=False) -> Decision``: ValidationError
    when the text does not name the sending unit, is empty, or breaks
    ``one_part_notices`` / ``max_parts``.  ``sign(text)`` appends the signature when
    missing.  ``sender_for(service) -> "12333" | "12370"``.
    Services: "consultation", "government-info", "complaint", "account-query" (12333);
    "civil-service", "civil-service-exam" (12370 unless civil_service_on_12333).
``Decision`` attributes: ``sender``, ``encoding``, ``parts``, ``cost_fen``, ``plan``.

Low-level modules: ``gsm7`` (``encode(text) -> bytes`` of septet values,
``decode(septets) -> str``, ``pack(septets, fill_bits=0) -> bytes``,
``unpack(data, count, fill_bits=0) -> bytes``), ``ucs2`` (``encode(text) -> bytes``
UTF-16BE with surrogates, ``decode(data) -> str``), ``udh`` (``parse(data) -> list``,
``build(ies) -> bytes``, ``fill_bits(udh_len)``), ``address`` (``encode(number, toa=None)
-> address field bytes``, ``decode(data, pos) -> (number, toa, next_pos)``,
``encode_smsc`` / ``decode_smsc``), ``scts``.
"""
