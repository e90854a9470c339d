"""
The social-security card's states: codes and names, shared by the loss-report machine
(``lib12333.lossreport``), the gateway and the kiosk screens (small: the kiosk imports it
without the state machine).
"""

SEALED = 1  # 封存: issued, not yet activated
NORMAL = 2
TEMP_LOST = 3
LOST = 4
REPLACING = 5  # lost, a replacement applied for
CANCELLED = 6

# code -> the Chinese name shown to citizens (the kiosk screens use this dict as it is: heap)
CHINESE_NAMES = {
    SEALED: "封存",
    NORMAL: "正常",
    TEMP_LOST: "临时挂失",
    LOST: "挂失",
    REPLACING: "挂失（已申请补领）",
    CANCELLED: "注销",
}
