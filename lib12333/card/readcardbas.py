"""
The ``iReadCardBas`` result string and error codes of the common reader interface
(LD/T 33-2015 as profiled by Sichuan's reader spec V2.0, section 1.1.2 and annex A).

Success output, 11 items each followed by ``|``::

    region|ssn|card number|card id|name|ATR historical bytes|spec version|issue date|expiry|terminal no.|device no.|
    639900|111111198101011110|X00000019|639900D15600000500BF7C7A48FB4966|张三|00814E43238697159900BF7C7A|1.00|20101001|20201001|410100813475||

Without a PSAM the terminal number is twelve zeros; without a device number the
last item is empty.  On failure the interface returns a negative code and a text;
:func:`error_code` maps lib12333 exceptions to those codes (card status words
become ``-SW``, e.g. 6A82 -> -27266, as public implementations do).
"""

from lib12333.card import apdu
from lib12333.compat import OrderedDict
from lib12333.errors import CardSecurityError, DecodeError, DeviceError, SecurityError

FIELDS = ("region", "ssn", "card_number", "card_id", "name", "atr_history", "spec_version",
          "issue_date", "expiry_date", "terminal_no", "device_no")

NO_PSAM_TERMINAL = "000000000000"

ERR_CARD_TYPE = -1
ERR_NO_CARD = -2
ERR_NOT_POWERED = -3
ERR_NO_ANSWER = -4
ERR_READER = -11
ERR_NOT_CONNECTED = -12
ERR_CHECKSUM = -15
ERR_AUTH = -21
ERR_PIN_WRONG = -51
ERR_PIN_BLOCKED = -52
ERR_NO_RKSSSE = -2203

# Annex A, table A.1, one "code text" per line: a single string costs far less heap
# on MicroPython than a tuple of pairs.
_CODES = """
0 成功
-1 卡类型不对
-2 无卡
-3 有卡未上电
-4 卡无应答
-5 加载动态库错
-11 读卡器连接错
-12 未建立连接
-13 不支持该命令
-14 命令参数错
-15 信息校验和出错
-20 卡识别码格式错
-21 内部认证失败（用户卡不合法）
-22 传入数据与卡内不符
-23 传入数据不合法
-24 PSAM卡密钥级别不够
-31 用户取消密码输入
-32 密码输入操作超时
-33 输入密码长度错
-34 两次输入密码不一致
-35 初始密码不能交易
-36 不能改为初始密码
-41 运算数据含非法字符
-42 运算数据长度错
-51 PIN校验失败
-52 PIN锁定
-2201 无PSAM卡
-2202 PSAM算法不支持
-2203 PSAM内无RKSSSE密钥
-2204 不需要加密机认证
-25536 外部认证失败
-25537 外部认证失败
-25538 外部认证失败
-26368 Lc/Le不正确
-26881 命令不接受
-27009 命令与文件结构不相符
-27010 不满足安全条件
-27011 密钥锁定
-27012 引用数据无效
-27013 不满足使用条件
-27016 安全报文数据项不正确
-27264 数据域参数不正确
-27265 不支持该功能
-27266 未找到文件
-27267 未找到记录
-27272 未找到引用数据
-37634 MAC无效
-37635 应用永久锁定
-37891 PSAM不支持消费
-37894 MAC/TAC不可用
"""


def codes():
    """All ``(code, text)`` pairs of the interface's error table."""
    out = []
    for line in _CODES.split("\n"):
        if line:
            cut = line.index(" ")
            out.append((int(line[:cut]), line[cut + 1:]))
    return out


# Codes after which the business system must switch to the _HSM_ functions (section 10.5).
HSM_FALLBACK = (-2201, -2202, -2203, -27272, -24)

# DeviceError.code strings used by lib12333 readers -> interface codes.
DEVICE_CODES = (
    ("no-card", ERR_NO_CARD),
    ("removed", ERR_NO_CARD),
    ("not-powered", ERR_NOT_POWERED),
    ("mute", ERR_NO_ANSWER),
    ("reader", ERR_READER),
    ("not-connected", ERR_NOT_CONNECTED),
)


def error_text(code):
    """The interface's text for ``code``; 未知错误 when the table has none."""
    key = "\n" + str(code) + " "
    table = _CODES  # starts with a newline
    i = table.find(key)
    if i < 0:
        return "未知错误"
    start = i + len(key)
    return table[start:table.index("\n", start)]


def error_code(exc):
    """The interface code for an exception raised while reading a card."""
    if isinstance(exc, CardSecurityError):
        if exc.needs_authenticator:
            return ERR_NO_RKSSSE
        if exc.command == "VERIFY":
            return -51 if exc.tries_left else -52
        return -exc.sw
    if isinstance(exc, DeviceError):
        dev = exc.code
        for name, value in DEVICE_CODES:
            if dev == name:
                return value
        if type(dev) is str and len(dev) == 4:
            try:
                return -int(dev, 16)
            except ValueError:
                pass
        return ERR_READER
    if isinstance(exc, SecurityError):
        return ERR_AUTH
    if isinstance(exc, DecodeError):
        if exc.field and "EF05 tag 01" in exc.field:
            return -20
        return ERR_CARD_TYPE
    return ERR_READER


def atr_historical(atr):
    """The historical bytes of an ATR (ISO 7816-3 section 8.2)."""
    n = len(atr)
    if n < 2:
        raise DecodeError("ATR shorter than TS T0", field="ATR", position=n, expected="at least 2 bytes")
    if atr[0] != 0x3B and atr[0] != 0x3F:
        raise DecodeError("TS is %02X" % atr[0], field="ATR TS", position=0, expected="3B or 3F")
    k = atr[1] & 0x0F
    y = atr[1] >> 4
    i = 2
    while True:
        td = None
        for bit in (0x1, 0x2, 0x4, 0x8):
            if y & bit:
                if i >= n:
                    raise DecodeError("interface bytes cut short", field="ATR", position=i,
                                      expected="interface byte")
                if bit == 0x8:
                    td = atr[i]
                i += 1
        if td is None:
            break
        y = td >> 4
    if i + k > n:
        raise DecodeError("%d historical bytes announced, %d present" % (k, n - i), field="ATR",
                          position=i, expected=str(k) + " historical bytes")
    return bytes(atr[i:i + k])


def format_basic(info, terminal_no=NO_PSAM_TERMINAL, device_no=""):
    """The 11-item iReadCardBas string for a :class:`lib12333.card.ssse.CardInfo`."""
    hist = apdu.to_hex(atr_historical(info.atr)) if info.atr else ""
    card_no = (info.card_number or "")[:9]
    items = (info.region, info.ssn, card_no, info.card_id, info.name, hist, info.spec_version,
             info.issue_date, info.expiry_date, terminal_no, device_no)
    out = []
    for i in range(len(items)):
        value = items[i] or ""
        if "|" in value:
            raise DecodeError("value contains the separator |", field=FIELDS[i], expected="no | characters")
        out.append(value)
        out.append("|")
    return "".join(out)


def parse_basic(text):
    """Parse an iReadCardBas success string into an ordered dict of the 11 items (str each)."""
    parts = text.split("|")
    if len(parts) != len(FIELDS) + 1 or parts[-1] != "":
        raise DecodeError("found %d |-terminated items" % (len(parts) - 1), field="iReadCardBas",
                          position=len(text), expected="11 items each followed by |")
    out = OrderedDict()
    for i in range(len(FIELDS)):
        out[FIELDS[i]] = parts[i]
    return out


def format_error(code):
    """The (code, text) pair an interface implementation returns on failure."""
    return code, error_text(code)
