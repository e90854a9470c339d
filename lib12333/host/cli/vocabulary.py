"""
One vocabulary for every ``lib12333`` command's help, applied to the whole parser tree at start-up.

Command modules stay short and independent; what must read the same everywhere lives here, in one
place, so that a new ``cmd_<name>.py`` gets it without thinking about it:

- the placeholder of each option (``--db FILE``, ``--port PORT``, ``--to NUMBER`` ...) and of
  positional arguments (upper case, like options);
- ``COMMAND`` as the placeholder of every level of sub-commands;
- a description on every (sub-)command's own ``--help`` page (its one-line help when the module
  gives no longer text);
- the default of every option that has one, in its help;
- old option spellings kept working but hidden from the help (``OLD_SPELLINGS``).

``tests/host/test_cli_help.py`` walks every command's help and checks all of this.
"""

import argparse

# option -> placeholder, for options whose value is the same kind of thing in every command
PLACEHOLDERS = {
    "--db": "FILE",
    "--gateway-db": "FILE",
    "--key-file": "FILE",
    "--key-out": "FILE",
    "--out": "FILE",
    "--input": "FILE",
    "--rules": "FILE",
    "--centres": "FILE",
    "--extensions": "FILE",
    "--keep": "DIR",
    "--port": "PORT",
    "--modem": "PORT",
    "--to": "NUMBER",
    "--number": "NUMBER",
    "--phone": "NUMBER",
    "--smsc": "NUMBER",
    "--device-id": "ID",
    "--card": "CARD",
    "--ssn": "SSN",
    "--timeout": "SECONDS",
    "--seconds": "SECONDS",
    "--key-hex": "HEX",
    "--emulator-key": "HEX",
    "--region": "CODE",
    "--centre-code": "CODE",
}

# old spelling -> the option it now means; accepted on the command line, not shown in help
OLD_SPELLINGS = {
    "--device": "--device-id",  # frame seal said --device where every other command says --device-id
    "--card-number": "--card",  # card sim said --card-number where the gateway says --card
}

COMMAND = "COMMAND"


def _shows_default(action):
    default = action.default
    if action.nargs == 0 or default is None or default is argparse.SUPPRESS:
        return False
    if default in ("", [], ()):
        return False  # "nothing" needs no mention
    return "default" not in (action.help or "")


class _Formatter:
    """Mixed into each parser's formatter class: old spellings stay out of the help."""

    def _format_action_invocation(self, action):
        hidden = [o for o in action.option_strings if o in OLD_SPELLINGS and OLD_SPELLINGS[o] in action.option_strings]
        if not hidden:
            return super()._format_action_invocation(action)
        shown = [o for o in action.option_strings if o not in hidden]
        saved = action.option_strings
        action.option_strings = shown
        try:
            return super()._format_action_invocation(action)
        finally:
            action.option_strings = saved


def _with_formatter(cls):
    if issubclass(cls, _Formatter):
        return cls
    return type("Vocabulary" + cls.__name__, (_Formatter, cls), {})


def apply(parser, summary=None):
    """Bring ``parser`` and every sub-command below it to the common vocabulary."""
    parser.formatter_class = _with_formatter(parser.formatter_class)
    if not (parser.description or "").strip() and summary:
        parser.description = summary[0].upper() + summary[1:] + ("" if summary.endswith(".") else ".")
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            action.metavar = COMMAND
            summaries = dict((choice.dest, choice.help) for choice in action._choices_actions)
            for name, sub in action.choices.items():
                if name in summaries:  # aliases share the canonical parser
                    apply(sub, summaries[name])
            continue
        if isinstance(action, argparse._HelpAction) or action.nargs == 0:
            continue
        if action.choices:
            pass  # the placeholder is the list of choices
        elif action.option_strings:
            wanted = PLACEHOLDERS.get(action.option_strings[0])
            if wanted and action.metavar is None:  # a command may say more (--out DIR for a folder)
                action.metavar = wanted
        elif action.metavar is None:
            action.metavar = action.dest.upper()
        if _shows_default(action) and action.help and action.help is not argparse.SUPPRESS:
            if isinstance(action.default, (list, tuple)):  # as it is typed, not as a Python list
                shown = " ".join(str(v) for v in action.default).replace("%", "%%")
                action.help = action.help + " (default: %s)" % shown
            else:
                action.help = action.help + " (default: %(default)s)"
    return parser
