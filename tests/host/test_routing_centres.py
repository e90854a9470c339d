"""The centre table (lib12333.routing.centres) and ``lib12333 route explain --centres`` (issue 8)."""

import json

import pytest

from lib12333.errors import ValidationError
from lib12333.host.cli import main
from lib12333.routing import centres

TABLE = {"330100": "+8610657112333", "330100:card-services": "+8610657112399", "330000": "+8610657100000",
         "national": "+8610012333"}


class D:
    def __init__(self, level, centre, queue=None):
        self.level, self.centre, self.queue = level, centre, queue


def test_lookup_order():
    assert centres.keys_for(D("city", "330100", "card-services")) == ("330100:card-services", "330100", "330000")
    assert centres.number_for(D("city", "330100", "card-services"), TABLE, None) == "+8610657112399"
    assert centres.number_for(D("city", "330100", "general"), TABLE, None) == "+8610657112333"
    assert centres.number_for(D("city", "330200", None), TABLE, None) == "+8610657100000"  # 宁波: the province
    assert centres.number_for(D("national", None), TABLE, None) == "+8610012333"
    assert centres.number_for(D("province", "320000"), TABLE, "HOME") == "HOME"


@pytest.mark.parametrize("table", [[], {"3301": "1"}, {"330100": ""}, {"330100": "0571-12333"}, {"330100": 5},
                                   {"abc:x": "1"}, {"330100": "1" * 25}])
def test_bad_tables_refused(table):
    with pytest.raises(ValidationError):
        centres.check_table(table)


def test_good_table_accepted():
    centres.check_table(TABLE)


def _explain(tmp_path, capsys, card_region, *extra):
    path = tmp_path / "centres.json"
    path.write_text(json.dumps(TABLE))
    code = main(["route", "explain", "--channel", "kiosk", "--caller-region", "330106", "--card-region", card_region,
                 "--category", "2505", "--time", "2026-12-01T10:00", "--centres", str(path), *extra])
    return code, capsys.readouterr().out


def test_explain_json_gives_the_centre_number(tmp_path, capsys):
    code, out = _explain(tmp_path, capsys, "330100", "--json")
    d = json.loads(out)
    assert code == 0
    assert (d["decision"]["rule"], d["centre_number"], d["centre_key"]) == (
        "card-services", "+8610657112399", "330100:card-services")


def test_explain_other_province_card_falls_back_to_the_default_number(tmp_path, capsys):
    code, out = _explain(tmp_path, capsys, "320100", "--json", "--default-number", "+8610657112333")
    d = json.loads(out)
    assert (d["decision"]["rule"], d["decision"]["centre"]) == ("card-other-province", "320000")
    assert (d["centre_number"], d["centre_key"]) == ("+8610657112333", None)
    code, out = _explain(tmp_path, capsys, "320100", "--default-number", "+8610657112333")
    assert "sent to: +8610657112333 (not in the table: default)" in out


def test_explain_bad_table_exit_3(tmp_path, capsys):
    path = tmp_path / "bad.json"
    path.write_text("{not json")
    code = main(["route", "explain", "--channel", "kiosk", "--caller-region", "330106", "--centres", str(path)])
    assert code == 3
    assert "centre table is not JSON" in capsys.readouterr().err
