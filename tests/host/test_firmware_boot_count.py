"""The kiosk's boot counter on flash (firmware/status_report.py count_boot), reported in its status frames."""

from firmware import status_report as sr


def test_boots_count_up_and_survive_a_torn_write(tmp_path):
    path = str(tmp_path / "boots")
    assert [sr.count_boot(path) for _ in range(3)] == [1, 2, 3]
    with open(path, "w") as f:
        f.write("1\x00\x00")  # a write cut by a power loss
    assert sr.count_boot(path) == 1  # counting starts again rather than stopping the kiosk
    with open(path, "w") as f:
        f.write("65535")
    assert sr.count_boot(path) == 0  # wraps like the frame's u16


def test_an_unwritable_flash_reports_zero(tmp_path):
    assert sr.count_boot(str(tmp_path / "missing-folder" / "boots")) == 0
