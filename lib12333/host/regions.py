"""Host convenience for the routing region table (the core never opens files itself)."""

from lib12333.compat import data_path
from lib12333.routing.regions import RegionTable


def default_table():
    """The installed ``lib12333/data/regions.txt``, read into memory (a server can afford it)."""
    with open(data_path("regions.txt"), "rb") as f:
        return RegionTable(f.read())
