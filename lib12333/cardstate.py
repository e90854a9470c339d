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

# code -> (English constant name, Chinese name as shown to citizens)
STATE_NAMES = {
    SEALED: ("SEALED", "封存"),
    NORMAL: ("NORMAL", "正常"),
    TEMP_LOST: ("TEMP_LOST", "临时挂失"),
    LOST: ("LOST", "挂失"),
    REPLACING: ("REPLACING", "挂失（已申请补领）"),
    CANCELLED: ("CANCELLED", "注销"),
}
