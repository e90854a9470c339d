"""``lib12333 sms`` end to end, through the real entry point."""

import json
import subprocess
import sys

NIHAO = "0891683108501955F1040D91683118140276F8000841011251018123044F60597D"


def run(*args):
    p = subprocess.run([sys.executable, "-m", "lib12333", "sms"] + list(args), capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def test_decode_json_keys():
    code, out, _ = run("decode", NIHAO, "--json", "--show-pii")
    assert code == 0
    d = json.loads(out)
    assert d["type"] == "SMS-DELIVER"
    assert d["smsc"] == "+8613800591551"
    assert d["number"] == "+8613814120678"
    assert d["toa"] == 0x91
    assert d["pid"] == 0 and d["dcs"] == 8
    assert d["scts"] == "2014-10-21T15:10:18+08:00"
    assert d["text"] == "你好"
    assert d["udh"] == [] and d["concat"] is None and d["ports"] is None


def test_decode_mask_and_no_smsc():
    code, out, _ = run("decode", NIHAO[18:], "--no-smsc", "--json")
    d = json.loads(out)
    assert code == 0 and d["smsc"] is None
    assert d["number"] == "+861******0678"


def test_decode_concat_and_status_text():
    code, out, _ = run("decode", "0006D60B911326880736F4111011719551401110117195714000")
    assert code == 0
    assert "status_kind  delivered" in out
    code, out, _ = run(
        "decode",
        "0591721891F1400781721881F800003160526104848059050003C30101916536FB1DCABEEB2074D85E064941B19CAB060319A5C522289C96D3D3ED32286C0FA7D96131BBEC024941B19CAB0603DDD36C36A88C87A7E565D0DB0D82C55EB0DB4B068BCD5C20",
        "--json",
    )
    assert json.loads(out)["concat"] == {"ref": 195, "total": 1, "seq": 1, "bits": 8}


def test_decode_bad_input_exit_3():
    code, out, err = run("decode", "0003")
    assert code == 3
    assert "TP-MTI" in err and out == ""


def test_encode_json_parts_and_lengths():
    code, out, _ = run("encode", "--to", "+8613800571500", "--text", "你好" * 40, "--ref", "7", "--json", "--smsc", "+8613800571500")
    assert code == 0
    d = json.loads(out)
    assert d["encoding"] == "ucs2"
    assert [p["seq"] for p in d["parts"]] == [1, 2]
    for p in d["parts"]:
        assert p["pdu"].startswith("0891683108501705F0")
        assert p["tpdu_length"] == len(p["pdu"]) // 2 - 9
    code, out, _ = run("encode", "--to", "10086", "--text", "hello")
    assert "AT+CMGS=15" in out and "00010005810180F6000005E8329BFD06" in out


def test_split_and_check():
    code, out, _ = run("split", "price €5", "--json")
    d = json.loads(out)
    assert (d["encoding"], d["count"], d["left"]) == ("gsm7", 1, 151)
    code, out, _ = run("check", "您好", "--signature", "【XX市人力资源社会保障电话咨询服务中心】", "--json")
    assert code == 1 and json.loads(out)["allowed"] is False
    code, out, _ = run("check", "您好", "--signature", "【XX市中心】", "--sign", "--service", "civil-service-exam", "--json")
    d = json.loads(out)
    assert code == 0 and d["sender"] == "12370" and d["text"] == "【XX市中心】您好"


ID_PDU = ("0001000D91683119325476F800082A8EAB4EFD8BC100310031003000310030003500310039003400390031003200330031"
          "0030003000320058")


def test_decode_masks_numbers_in_text():
    code, out, _ = run("decode", ID_PDU, "--json")
    assert code == 0 and json.loads(out)["text"] == "身份证110105********002X"
    code, out, _ = run("decode", ID_PDU)
    assert "11010519491231002X" not in out and "110105********002X" in out
    code, out, _ = run("decode", ID_PDU, "--json", "--show-pii")
    assert json.loads(out)["text"] == "身份证11010519491231002X"


def test_check_refuses_personal_data_and_masks_echo():
    sig = "【XX市中心】"
    code, out, _ = run("check", "身份证11010519491231002X", "--signature", sig, "--sign", "--json")
    d = json.loads(out)
    assert code == 1 and "citizen ID" in d["reason"] and "11010519491231002X" not in out
    code, out, _ = run("check", "请回电13800571500", "--signature", sig, "--sign", "--json")
    assert code == 1 and "mobile number" in json.loads(out)["reason"]
    code, out, _ = run("check", "请回电13800571500，账号6222 0212 3456", "--signature", sig, "--sign", "--json",
                       "--allow-number", "138-0057-1500")
    assert code == 0 and json.loads(out)["text"] == "【XX市中心】请回电138****1500，账号622* **** 3456"
    code, out, _ = run("check", "账号6222 0212 3456", "--signature", sig, "--sign", "--json", "--show-pii")
    assert json.loads(out)["text"] == "【XX市中心】账号6222 0212 3456"


def test_encode_to_with_spaces_and_dashes():
    code, out, _ = run("encode", "--to", "+86 139-1234-5678", "--text", "hi", "--json")
    assert code == 0
    assert json.loads(out)["parts"][0]["pdu"].startswith("0001000D91683119325476F8")
    code, _, err = run("encode", "--to", "+86.139", "--text", "hi")
    assert code != 0 and err


def test_decode_lenient_lists_deviations():
    capture = NIHAO + "FFFF" + '"'
    code, _out, err = run("decode", capture)
    assert code == 3 and "odd number of hex digits" in err  # strict: the quote
    code, _out, err = run("decode", NIHAO + "FFFF")
    assert code == 3 and "2 octet(s) after the user data" in err
    code, out, _ = run("decode", capture, "--lenient", "--json")
    assert code == 0
    d = json.loads(out)
    assert d["text"] == "你好"
    assert d["warnings"] == [
        {"position": len(NIHAO) + 4, "field": "PDU text", "warning": "stray quote after the hex"},
        {"position": len(NIHAO) // 2, "field": "TP-UD", "warning": "2 octet(s) of SIM padding FF after the TPDU"},
    ]
    code, out, _ = run("decode", capture, "--lenient")
    assert "warning      position %d (TP-UD): 2 octet(s) of SIM padding FF" % (len(NIHAO) // 2) in out
