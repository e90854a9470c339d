"""
What the kiosk shows, in Chinese, screen by screen.

``render(screen, params)`` returns the lines of one screen (title first, then
the body, then the key hints).  Display drivers on each board decide how to draw
them (a 320x240 LCD, a character display, the PC terminal of the host board).

Personal data reaches this module only already masked (``张*``, ``1101**********002X``,
``138****5678``): the state machine masks before it asks for a screen.

Each screen id is the kiosk state that shows it (``firmware.kiosk_table.TABLE``); a test
checks that every state has its own text here, and ``render`` refuses an unknown one.
"""

from firmware.kiosk_table import row_get
from lib12333.secure import messages as msg

# lib12333.cardstate, .dates and .refnum are imported where a reply or the 办件进度 list needs
# them: frozen, each module's objects are RAM the kiosk does not need at boot (docs/benchmarks.md).

WELCOME = "welcome"
INSERT_CARD = "insert_card"
READING = "reading"
MENU = "menu"
BROWSE = "browse"
ENTRY = "entry"
LOSS_PHONE = "loss_phone"
LOSS_CONFIRM = "loss_confirm"
SUBMITTING = "submitting"
RESULT = "result"
WAITING = "waiting"
MESSAGE_KIND = "message_kind"
MESSAGE_TOPIC = "message_topic"
MESSAGE_PHONE = "message_phone"
MESSAGE_CONFIRM = "message_confirm"
ERROR = "error"
OUT_OF_SERVICE = "out_of_service"
MAINTENANCE = "maintenance"
QUERY_MENU = "query_menu"
QUERY_LIST = "query_list"
QUERY_REF = "query_ref"

# A request's status as the centre reports it, indexed by the status code 0-4.
REQUEST_STATUS_NAMES = ("未查到", "已受理", "处理中", "已答复", "已办结")

# What the citizen should do for each error the kiosk can meet: (code, (title, line, line), ...),
# a flat tuple of constants read with row_get (frozen, it stays in flash; a dict would be RAM).
ERROR_ADVICE = (
    "card_unreadable", ("无法读取社会保障卡", "请将卡片芯片朝上、朝里重新插入。", "多次失败请到服务窗口办理。"),
    "card_removed", ("卡片已取出", "读卡过程中卡片被取出，", "请重新插卡。"),
    "card_unsupported", ("不支持的卡片", "本终端只能读取社会保障卡。", "请插入您的社会保障卡。"),
    "card_needs_module", ("本机暂不支持此卡", "此卡需要安全模块认证，本终端未配备，", "请到服务窗口或其他自助终端办理。"),
    "card_locked", ("卡片已锁定", "卡片密码已锁定或卡片已注销，", "请持身份证到服务窗口办理。"),
    "refused", ("业务未能办理", "中心未能受理本次申请，", "请到服务窗口或拨打12333咨询。"),
    "identity", ("身份信息不符", "卡片信息与登记信息不一致，", "请持身份证到服务窗口办理。"),
    "already_lost", ("卡片已挂失", "这张卡已处于挂失状态，", "无需重复挂失。"),
    "send_failed", ("申请未能送达", "多次尝试后仍未能送达中心，", "请拨打12333或到服务窗口办理。"),
    "storage", ("终端存储故障", "申请未能保存，请勿离开，", "请联系大厅工作人员。"),
    "phone", ("手机号码有误", "请输入11位手机号码，", "以1开头。"),
    "ref_digits", ("编号有误", "请输入受理编号中的日期和序号共10位，", "如编号 T-330100-K01-130301-0007-7 输入 1303010007。"),
)

MESSAGE_KINDS = ("咨询", "投诉", "举报")  # the kiosk's message_kind 1, 2, 3


def no_library():
    """The result screen of menu 1 when the kiosk has no information library."""
    return {"title": "信息查询暂不可用", "lines": ["本终端未装载信息库。"]}


def render(screen, params):
    p = params or {}
    if screen == WELCOME:
        lines = ["欢迎使用12333自助服务终端", p.get("unit", "人力资源社会保障电话咨询服务中心"), "",
                 "请插入社会保障卡", "按任意键查看服务信息"]
        if p.get("offline"):
            lines.append("（网络暂不可用：申请会保存在本机，恢复后自动发送）")
        if p.get("pending"):
            lines.append("待发送申请：%d 件" % p["pending"])
        return lines
    if screen == INSERT_CARD:
        return ["请插入社会保障卡", "芯片朝上，插入读卡口", "", "[返回] 回到首页"]
    if screen == READING:
        return ["正在读卡，请稍候……", "读卡期间请勿拔出卡片"]
    if screen == MENU:
        return ["%s，您好" % p.get("name", ""), "卡号 %s" % p.get("card", ""), "",
                "1 信息查询", "2 社保卡挂失", "3 挂失/办件进度查询", "4 咨询/投诉留言", "",
                "[返回] 退出并取卡"]
    if screen == BROWSE:
        lines = ["信息查询 %s" % p.get("path", "")]
        for i, item in enumerate(p.get("items", ())):
            lines.append("%d %s" % (i + 1, item))
        if p.get("more"):
            lines.append("0 下一页")
        lines.append("[返回] 上一级")
        return lines
    if screen == ENTRY:
        lines = [p.get("title", "")]
        lines.extend(p.get("body", ()))
        if p.get("source"):
            lines.append("依据：" + p["source"])
        lines.append("0 下一页  [返回] 上一级" if p.get("more") else "[返回] 上一级")
        return lines
    if screen == LOSS_PHONE:
        return _phone_entry("用于接收办理结果短信", p)
    if screen == MESSAGE_PHONE:
        return _phone_entry("用于工作人员回电答复", p)
    if screen == LOSS_CONFIRM:
        return ["社保卡临时挂失", "姓名 %s" % p.get("name", ""), "卡号 %s" % p.get("card", ""),
                "短信通知 %s" % p.get("phone", ""), "",
                "临时挂失有效期 %d 天，到期前请到服务窗口办理正式挂失和补卡。" % p.get("days", 0),
                "1 确认挂失  [返回] 取消"]
    if screen == SUBMITTING:
        return ["正在保存申请……", "请勿拔卡或离开"]
    if screen == WAITING:
        lines = ["申请已受理，本机序号 %s" % p.get("ref", ""), "正在等待中心确认……"]
        if p.get("offline"):
            lines.append("网络暂不可用，申请已保存在本机，网络恢复后自动发送。")
        lines.append("办理结果将以短信通知您，您可以先行取卡离开。")
        return lines
    if screen == RESULT:
        return [p.get("title", "办理完成")] + list(p.get("lines", ())) + ["", "[确认] 回到菜单"]
    if screen == MESSAGE_KIND:
        lines = ["请选择留言类型"]
        for i, kind in enumerate(MESSAGE_KINDS):
            lines.append("%d %s" % (i + 1, kind))
        lines.append("[返回] 回到菜单")
        return lines
    if screen == MESSAGE_TOPIC:
        lines = ["请选择事项类别"]
        for i, item in enumerate(p.get("items", ())):
            lines.append("%d %s" % (i + 1, item))
        lines.append("[返回] 上一步")
        return lines
    if screen == MESSAGE_CONFIRM:
        return ["%s留言" % p.get("kind", ""), "类别 %s" % p.get("topic", ""), "回电号码 %s" % p.get("phone", ""),
                "工作人员将在工作时间内回电答复。", "1 确认提交  [返回] 取消"]
    if screen == QUERY_MENU:
        return ["查询进度", "1 挂失进度（本卡）", "2 办件进度（咨询、投诉、举报）", "", "[返回] 回到菜单"]
    if screen == QUERY_LIST:
        items = p.get("items", ())
        lines = ["办件进度：本次办理的留言"]
        for i, item in enumerate(items):
            lines.append("%d %s" % (i + 1, item))
        if not items:
            lines.append("（本次未在本机留言）")
        lines += ["0 输入受理编号查询", "[返回] 上一步"]
        return lines
    if screen == QUERY_REF:
        return ["输入受理编号查询（限本机受理的编号）", "请输入编号中的日期和序号共10位", "如 T-330100-K01-130301-0007-7 输入 1303010007",
                "", p.get("typed", "") + "_", "", "[确认] 查询  [*] 删除  [返回] 上一步"]
    if screen == ERROR:
        advice = row_get(ERROR_ADVICE, p.get("code") or "") or ("出现问题", "请重试，", "或到服务窗口办理。")
        return list(advice) + ["", "[确认] 继续"]
    if screen == OUT_OF_SERVICE:
        return ["本终端暂停服务", "请到服务窗口办理或拨打12333", "", "故障：" + p.get("reason", "")]
    if screen == MAINTENANCE:
        return ["维护模式"] + list(p.get("lines", ())) + ["[返回] 退出维护模式"]
    raise ValueError("no screen " + screen)


def _phone_entry(purpose, p):
    return ["请输入您的手机号码", purpose, "", p.get("typed", "") + "_", "", "[确认] 下一步  [返回] 取消"]


def request_line(local, ref):
    """One line of the 办件进度 list: the centre's reference, or the kiosk's own number until it answered."""
    from lib12333.refnum import format_ref

    return format_ref(ref) if ref else "编号待中心确认（本机序号 %s）" % local


def describe_reply(msg_type, fields, request):
    """The result screen for a centre reply (no personal data: the centre sends none back)."""
    if msg_type == msg.ACK:
        state = _card_state(fields, "")
        if request == "loss":
            lines = ["卡片状态：%s" % state]
            if fields.get("until"):
                lines.append("临时挂失有效至 %s" % _until(fields["until"]))
            lines.append("请在有效期内到服务窗口办理正式挂失和补卡。")
            if fields.get("result") == msg.ACK_DUPLICATE:
                lines.insert(0, "（该申请此前已受理）")
            return {"title": "挂失成功", "lines": lines}
        return {"title": "中心已受理", "lines": ["工作人员将尽快回电答复。"]}
    if msg_type == msg.CARD_STATUS_ANSWER:
        lines = ["卡片状态：%s" % _card_state(fields, "未知")]
        if fields.get("until"):
            lines.append("临时挂失有效至 %s" % _until(fields["until"]))
        return {"title": "挂失进度", "lines": lines}
    if msg_type == msg.STATUS_ANSWER:
        from lib12333.refnum import REF_LENGTH, format_ref

        # The centre's text is the reference number, then (for a status query) a space and the state.
        text = fields.get("text") or ""
        ref = text[:REF_LENGTH] if len(text) >= REF_LENGTH else ""
        if request == "message":
            lines = ["受理编号：" + format_ref(ref)] if ref else []
            lines.append("请记下编号：可在本机“查询进度”中查询，")
            lines.append("或发短信“查询 编号”至中心号码。工作人员将尽快答复。")
            return {"title": "中心已受理", "lines": lines}
        status = fields.get("status")
        if status == msg.ST_UNKNOWN or not ref:
            return {"title": "办件进度", "lines": ["未查到该编号的办件。", "请核对编号，或拨打12333咨询。"]}
        label = text[REF_LENGTH + 1:] or (REQUEST_STATUS_NAMES[status] if status in range(5) else "未知")
        return {"title": "办件进度", "lines": ["受理编号：" + format_ref(ref), "状态：" + label]}
    if msg_type == msg.ERROR:
        codes = {msg.E_IDENTITY: "identity", msg.E_STATE: "already_lost"}
        code = codes.get(fields.get("code"), "refused")
        title, line1, line2 = row_get(ERROR_ADVICE, code)
        return {"title": title, "lines": [line1, line2]}
    return {"title": "中心答复", "lines": [msg.type_name(msg_type)]}


def _card_state(fields, unknown):
    """The Chinese name of the card state a reply reports (lib12333.cardstate, the shared names)."""
    from lib12333.cardstate import CHINESE_NAMES

    return CHINESE_NAMES.get(fields.get("state"), unknown)


def _until(seconds):
    """The day a temporary loss ends, as the centre sends it (seconds), for the result screen."""
    from lib12333.dates import iso_day

    return iso_day(seconds)
