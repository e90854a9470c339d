"""
Link configuration from a URL, the secret from a file or the environment.

    cmpp3://901234@127.0.0.1:7890?service=RSJ&src=1065712333&operator=mobile&window=16&rate=200
    cmpp2://901234@gw.example:7890?secret-file=/etc/lib12333/cmpp.secret
    smgp://33012345@smgw.example:8890?service=RSJ&src=10657112333&operator=telecom
    sgip://centre@smg.example:8801?listen=0.0.0.0:8802&corp=12345&service=RSJ&src=10655512333&operator=unicom
    smpp://centre12333@127.0.0.1:2775?source=10657112333&operator=any

The account (CMPP's SP code, SMPP's system_id) is the URL's user; a password in
the URL is refused: command lines end up in ``ps``, shell history and logs.
The secret comes from ``secret-file=PATH`` (first line), else from the
environment variable named by ``secret-env=NAME``, else from
``LIB12333_LINK_SECRET`` (one link) -- never from the command line.

Query options: ``operator`` (mobile, unicom, telecom or any: which recipients
this link serves), ``window``, ``rate`` (submits a second), ``timeout``
(response timeout, seconds), ``keepalive`` (seconds), ``service`` / ``src``
(CMPP Service_Id and Src_Id; SMGP ServiceID and SrcTermID; SGIP ServiceType and SPNumber),
``corp`` (SGIP CorpId), ``listen`` (SGIP: where the SMG connects to us), ``source`` (SMPP
source_addr), ``name``.
"""

import os
from urllib.parse import parse_qs, urlsplit

from lib12333.errors import ConfigError

SCHEMES = ("smpp", "cmpp2", "cmpp3", "smgp", "sgip")
OPERATORS = ("mobile", "unicom", "telecom", "any")
SECRET_ENV = "LIB12333_LINK_SECRET"
OPTIONS = ("operator", "window", "rate", "timeout", "keepalive", "service", "src", "corp", "listen", "source",
           "name", "secret-file", "secret-env", "smg-login")
SECRET_KEYS = ("secret", "password", "pass", "pwd", "passwd")
# the account field's width: CMPP Source_Addr 6, SMGP ClientID 8, SGIP LoginName 16, SMPP system_id 15 (+NUL)
ACCOUNT_LENGTH = {"cmpp2": 6, "cmpp3": 6, "smgp": 8, "sgip": 16, "smpp": 15}

# Mobile number segments (the first three digits) of the three Chinese operators (MIIT allocations).
SEGMENTS = {
    "mobile": ("134", "135", "136", "137", "138", "139", "147", "150", "151", "152", "157", "158", "159", "172",
               "178", "182", "183", "184", "187", "188", "195", "197", "198"),
    "unicom": ("130", "131", "132", "145", "155", "156", "166", "171", "175", "176", "185", "186", "196"),
    "telecom": ("133", "149", "153", "173", "177", "180", "181", "189", "190", "191", "193", "199"),
}


def operator_of(number):
    """"mobile", "unicom", "telecom" for a Chinese mobile number (with or without +86), else None."""
    digits = "".join(c for c in number if c.isdigit())
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    if len(digits) != 11:
        return None
    for name in sorted(SEGMENTS):
        if digits[:3] in SEGMENTS[name]:
            return name
    return None


class LinkConfig:
    def __init__(self, scheme, account, secret, host, port, options):
        self.scheme = scheme
        self.account = account
        self.secret = secret
        self.host = host
        self.port = port
        self.options = options
        self.operator = options.get("operator", "any")
        self.name = options.get("name") or "%s:%s@%s:%d" % (scheme, account, host, port)

    def dialect(self):
        from lib12333.links.dialects import CmppDialect, SmgpDialect, SmppDialect

        if self.scheme == "smpp":
            return SmppDialect(self.account, self.secret, source=self.options.get("source", ""))
        if self.scheme == "sgip":
            from lib12333.links.dialect_sgip import SgipDialect

            return SgipDialect(self.account, self.secret, sp_number=self.options.get("src", ""),
                               corp_id=self.options.get("corp", ""), service_type=self.options.get("service", ""))
        if self.scheme == "smgp":
            return SmgpDialect(self.account, self.secret, service_id=self.options.get("service", ""),
                               src_id=self.options.get("src", ""))
        return CmppDialect(self.account, self.secret, service_id=self.options.get("service", ""),
                           src_id=self.options.get("src", ""), version=int(self.scheme[-1]))

    def engine_options(self):
        out = {"window": int(self.options.get("window", 16))}
        if "rate" in self.options:
            out["rate"] = float(self.options["rate"])
        if "timeout" in self.options:
            out["response_timeout"] = float(self.options["timeout"])
        if "keepalive" in self.options:
            out["keepalive"] = float(self.options["keepalive"])
        return out

    def __repr__(self):
        return "LinkConfig(%s, operator=%s)" % (self.name, self.operator)  # never the secret


def parse(url, env=None):
    """A ``LinkConfig`` from ``url``; ConfigError naming what is wrong (never echoing a secret)."""
    env = os.environ if env is None else env
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # e.g. an unclosed [IPv6 address]
        raise ConfigError("not a link URL (%s)" % exc, "--link", None, None, "SCHEME://ACCOUNT@host:port") from None
    if parts.scheme not in SCHEMES:
        raise ConfigError("unknown link protocol", "--link", None, parts.scheme, ", ".join(SCHEMES))
    if parts.password is not None:
        raise ConfigError("a secret on the command line is refused", "--link", None, parts.scheme,
                          "secret-file=PATH or secret-env=NAME")
    if not parts.username:
        raise ConfigError("no account", "--link", None, parts.scheme, "ACCOUNT@host:port")
    try:
        port = parts.port
    except ValueError:
        port = None
    if not parts.hostname or not port:
        raise ConfigError("no host:port", "--link", None, parts.scheme, "ACCOUNT@host:port")
    options = {}
    for key, values in parse_qs(parts.query).items():
        if key in SECRET_KEYS:  # checked before anything else: the value is on the command line
            raise ConfigError("a secret on the command line is refused", "--link", None, key,
                              "secret-file=PATH or secret-env=NAME")
        if key not in OPTIONS:  # a misspelt option silently ignored would be a link configured wrongly
            raise ConfigError("unknown option", "--link", None, key, ", ".join(OPTIONS))
        options[key] = values[-1]
    for key in ("window", "rate", "timeout", "keepalive"):
        if key in options:
            try:
                value = float(options[key])
                if not (0 < value < 1e9) or (key == "window" and value != int(value)):
                    raise ValueError
            except ValueError:
                raise ConfigError("not a positive number", "--link", None, key,
                                  "a whole number >= 1" if key == "window" else "a number > 0") from None
            if key == "window":
                options[key] = str(int(value))
    if options.get("operator", "any") not in OPERATORS:
        raise ConfigError("unknown operator", "--link", None, options["operator"], ", ".join(OPERATORS))
    secret = _secret(options, env)
    if parts.scheme == "smpp" and (len(parts.username) > 15 or len(secret) > 8):
        raise ConfigError("SMPP 3.4 allows a system_id of 15 and a password of 8 characters", "--link", None,
                          "smpp", "a shorter account or secret")
    most = ACCOUNT_LENGTH[parts.scheme]
    if len(parts.username) > most:
        raise ConfigError("account longer than %s allows" % parts.scheme, "--link", None, parts.username,
                          "<= %d characters" % most)
    config = LinkConfig(parts.scheme, parts.username, secret, parts.hostname, port, options)
    _check_fields(config)
    return config


def _check_fields(config):
    """A bind and a submit built from the options must encode: a service code or source number
    longer than its field is found now, not at the first message."""
    from lib12333.errors import ValidationError
    from lib12333.links.content import Part

    d = config.dialect()
    try:
        d.encode(d.bind(1, (1, 1, 0, 0, 0)))
        d.encode(d.submit(1, "13912345678", Part(False, "ascii", b"x"), True))
    except ValidationError as exc:  # names the protocol's field, never its value
        raise ConfigError("an option does not fit the protocol: %s" % exc, "--link", None, config.scheme,
                          "shorter service, src, source or corp") from None


def _secret(options, env):
    path = options.pop("secret-file", None)
    if path is not None:
        from lib12333.host.keyfile import read_secret_line

        return read_secret_line(path, "--link", "secret-file")
    name = options.pop("secret-env", None) or SECRET_ENV
    value = env.get(name)
    if value is None:
        raise ConfigError("no secret: set %s or give secret-file=PATH" % name, "--link", None, "secret")
    return value
