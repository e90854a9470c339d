"""
One key file, one board (review of issue 13): two deploys started with the same key file.

Deploy removes the key file once its key is on the board, but two deploys started with
the same file before either finished (two technicians, two terminals) both wrote the key:
two boards sealing under one key from the same first sequence number -- every nonce
twice.  The deploy now holds a lock on the key file from the moment it reads it.
"""

import os

import pytest

from lib12333.errors import ValidationError
from lib12333.host.cli import EXIT_DATA, main
from lib12333.host.keyfile import claim_key_file, write_key_file

KEY = bytes(range(16))


def test_a_second_deploy_of_a_key_file_in_use_is_refused_before_the_board_is_touched(tmp_path, capsys):
    path = str(tmp_path / "kiosk1001.key")
    write_key_file(path, KEY)
    held, key = claim_key_file(path)  # the first deploy, still writing its board
    try:
        assert key == KEY
        code = main(["deploy", "--port", str(tmp_path / "no-such-port"), "--device-id", "1001", "--key-file", path])
        assert code == EXIT_DATA
        assert "another" in capsys.readouterr().err
    finally:
        held.close()
    again, key = claim_key_file(path)  # free again once the first deploy ended
    again.close()


def test_a_key_file_removed_by_the_deploy_that_used_it_cannot_be_claimed_again(tmp_path):
    path = str(tmp_path / "kiosk1001.key")
    write_key_file(path, KEY)
    early = open(path, "rb")  # a second deploy opened the file before the first one removed it
    os.remove(path)
    with pytest.raises(ValidationError, match="removed"):
        claim_key_file(path, opened=early)
