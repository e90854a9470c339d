"""
The kiosk's transition table: where every event leads, in one place (``firmware.kiosk`` runs it).

``TABLE`` is ``(state, row, state, row, ...)``: each state's row is ``(on, alternatives, on,
alternatives, ...)`` where ``on`` is an event kind or a key and each alternative is ``(target,
effect, guard)``, the last two optional.  The table and its rows are flat tuples of constants, not
dicts or lists: frozen into flash they cost no RAM (docs/benchmarks.md, "Kiosk firmware");
``row_get`` reads them (``row_get(TABLE, state)`` is a state's row), ``row_items`` lists them.

A key event is looked up by the key itself ("1", "*", "ok", "back"), then "digit" for 0-9, then
"key" for any other key.  The first alternative whose guard (event -> bool) passes is taken; an
alternative without a guard always passes.  The effect (actions, event, now) runs first and may
return one action to perform after the new screen (a submit, a card read); then the kiosk enters
``target`` and draws its screen.  Target None stays on the current screen.

Guards, effects and views are named, never referenced: a name with a leading underscore is a
method of ``firmware.kiosk.Kiosk`` (the boot, the card, the loss report); a name without one is
a function of ``firmware.kiosk_menus`` (menus 1, 3 and 4), imported only when one of those menus
is first used, so its functions take no RAM during a loss report.
"""

TABLE = (
    "boot", ("boot", (("out_of_service", "_self_test_failed", "_has_problems"), ("welcome", "_self_test_passed")),
             "card_out", ((None,),)),
    "out_of_service", ("key", ((None,),), "card_out", ((None,),)),
    "welcome", ("card_in", (("reading", "_start_read"),), "key", (("insert_card",),),
                "modem", (("welcome", "_note_modem", "_changes_network_notice"), (None, "_note_modem"))),
    "insert_card", ("card_in", (("reading", "_start_read"),), "back", (("welcome",),), "key", ((None,),)),
    "reading", ("card_read", (("error", "_reject_card", "_card_incomplete"), ("menu", "_accept_card")),
                "card_error", (("error", "_card_error"),), "card_out", (("error", "_card_pulled"),)),
    "menu", ("1", (("result", "no_library", "library_missing"), ("browse", "open_library")),
             "2", (("loss_phone", "_start_loss"),), "3", (("query_menu",),),
             "4", (("message_kind", "start_message"),), "back", (("welcome", "_citizen_left"),),
             "key", ((None,),)),
    "browse", ("back", (("browse", "up", "in_category"), ("menu",)), "0", (("browse", "next_page"),),
               "digit", (("browse", "open_category", "picks_category"), ("entry", "open_entry", "picks_title")),
               "key", ((None,),)),
    "entry", ("0", (("entry", "next_page"),), "back", (("browse", "first_page"),), "key", ((None,),)),
    "loss_phone", ("back", (("menu", "_clear_typed"),),
                   "ok", ((None, "_bad_phone", "_phone_invalid"), ("loss_confirm", "_take_phone")),
                   "*", (("loss_phone", "_delete_digit"),), "digit", (("loss_phone", "_type_phone_digit"),),
                   "key", (("loss_phone",),)),
    "loss_confirm", ("1", (("submitting", "_submit_loss"),), "back", (("menu", "_forget_phone"),),
                     "key", ((None,),)),
    "submitting", ("accepted", (("waiting", "_note_accepted"),),
                   "storage_failed", (("error", "_storage_failed"),)),
    "waiting", ("reply", ((None, "_log_other_reply", "_for_another_request"), ("result", "_note_reply")),
                "failed", ((None, "_log_failed", "_for_another_ref"), ("error", "_send_failed")),
                "ok", (("menu",),), "back", (("menu",),), "key", ((None,),)),
    "result", ("ok", (("menu", None, "_has_card"), ("welcome",)), "back", (("menu", None, "_has_card"), ("welcome",)),
               "key", ((None,),)),
    "query_menu", ("1", (("submitting", "query_card"),), "2", (("query_list",),), "back", (("menu",),),
                   "key", ((None,),)),
    "query_list", ("back", (("query_menu",),), "0", (("query_ref", "_clear_typed"),),
                   "digit", (("submitting", "query_listed", "picks_listed"),), "key", ((None,),)),
    "query_ref", ("back", (("query_list", "_clear_typed"),),
                  "ok", ((None, "bad_ref", "ref_invalid"), ("submitting", "query_typed")),
                  "*", (("query_ref", "_delete_digit"),), "digit", (("query_ref", "type_ref_digit"),),
                  "key", (("query_ref",),)),
    "message_kind", ("1", (("message_topic", "choose_kind"),), "2", (("message_topic", "choose_kind"),),
                     "3", (("message_topic", "choose_kind"),), "back", (("menu",),), "key", ((None,),)),
    "message_topic", ("back", (("message_kind",),),
                      "digit", (("message_phone", "choose_topic", "picks_topic"),), "key", ((None,),)),
    "message_phone", ("back", (("message_topic", "_clear_typed"),),
                      "ok", ((None, "_bad_phone", "_phone_invalid"), ("message_confirm", "_take_phone")),
                      "*", (("message_phone", "_delete_digit"),),
                      "digit", (("message_phone", "_type_phone_digit"),), "key", (("message_phone",),)),
    "message_confirm", ("1", (("submitting", "submit_message"),), "back", (("menu", "_forget_phone"),),
                        "key", ((None,),)),
    "error", ("key", (("menu", None, "_has_card"), ("welcome",))),
    "maintenance", ("back", (("welcome", "_leave_maintenance"),), "key", (("maintenance",),),
                    "card_out", ((None,),)),
)
# Events every state accepts when its own row has no entry: card removal wipes personal data
# everywhere, and the maintenance code (a key sequence, see Kiosk.handle) opens maintenance from anywhere.
ANYWHERE = (
    "card_out", (("welcome", "_card_removed"),),
    "tick", ((None,),),  # timeouts are checked in Kiosk.handle on every event
    "modem", ((None, "_note_modem"),),
    "reply", ((None, "_log_late_reply"),),
    "failed", ((None, "_log_failed"),),
    "maintenance_code", (("maintenance",),),
)
# The view that gives each state's screen its params from the kiosk's data (masked), a row like
# the table's (state, view, ...); a state not listed shows {}.
VIEWS = (
    "welcome", "_welcome_view", "out_of_service", "_fault_view", "menu", "_card_view", "browse", "browse_view",
    "entry", "entry_view", "loss_phone", "_typed_view", "message_phone", "_typed_view", "query_ref", "_typed_view",
    "loss_confirm", "_loss_view", "waiting", "_waiting_view", "result", "_result_view", "error", "_error_view",
    "message_topic", "topics_view", "message_confirm", "message_view", "query_list", "list_view",
    "maintenance", "_maintenance_view",
)


def row_get(row, on):
    """The alternatives of one row for an event kind or key (or a state's view), or None."""
    for i in range(0, len(row), 2):
        if row[i] == on:
            return row[i + 1]
    return None


def row_items(row):
    """The (on, alternatives) pairs of one row, for tests and the generated docs."""
    return [(row[i], row[i + 1]) for i in range(0, len(row), 2)]
