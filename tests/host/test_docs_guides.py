"""
The guides stay true: the `>>>` examples of docs/integrator.md run as doctests, and
every relative link in README.md, docs/ and protocols/ (and, first, in the guides: integrator, technician, deploy, gateway, cli,
boards) points at a file that exists and, for `#anchors`, at a heading that exists.
"""

import doctest
import glob
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GUIDES = [
    "integrator.md",
    "technician.md",
    "deploy.md",
    "gateway.md",
    "cli.md",
    "boards/esp32s3-a7670c.md",
    "boards/rp2040-ec800n.md",
    "boards/host.md",
]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def test_integrator_examples_run():
    result = doctest.testfile(
        os.path.join(ROOT, "docs", "integrator.md"),
        module_relative=False,
        optionflags=doctest.ELLIPSIS,
        verbose=False,
    )
    assert result.attempted >= 40
    assert result.failed == 0


def slug(heading):
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = heading.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path):
    with open(path, encoding="utf-8") as f:
        text = re.sub(r"```.*?```", "", f.read(), flags=re.S)
    return set(slug(m.group(1)) for m in re.finditer(r"^#+ (.+)$", text, re.M))


def test_slug_matches_github():
    assert slug("Why an update is all-or-nothing") == "why-an-update-is-all-or-nothing"
    assert slug("Provisioning: the board's identity") == "provisioning-the-boards-identity"
    assert slug("The display (TJC / Nextion HMI)") == "the-display-tjc--nextion-hmi"


def broken_links(page):
    """Relative links of a Markdown page whose file, or whose #anchor in a .md file, does not exist."""
    with open(page, encoding="utf-8") as f:
        text = re.sub(r"```.*?```", "", f.read(), flags=re.S)
    broken = []
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:", target):
            continue  # external
        path, _, anchor = target.partition("#")
        full = os.path.normpath(os.path.join(os.path.dirname(page), path)) if path else page
        if not os.path.exists(full):
            broken.append(target)
        elif anchor and full.endswith(".md") and anchor not in anchors(full):
            broken.append(target)
    return broken


@pytest.mark.parametrize("name", GUIDES)
def test_links_resolve(name):
    broken = broken_links(os.path.join(ROOT, "docs", name))
    assert not broken, "%s: broken links %s" % (name, broken)


# What a newcomer clicks through: the README, every page under docs/ and every protocol spec.
PAGES = sorted(
    [os.path.join(ROOT, "README.md")]
    + glob.glob(os.path.join(ROOT, "docs", "**", "*.md"), recursive=True)
    + glob.glob(os.path.join(ROOT, "protocols", "**", "*.md"), recursive=True)
)


@pytest.mark.parametrize("page", PAGES, ids=[os.path.relpath(p, ROOT) for p in PAGES])
def test_every_markdown_link_resolves(page):
    broken = broken_links(page)
    assert not broken, "%s: broken links %s" % (os.path.relpath(page, ROOT), broken)


def test_pages_found_and_broken_links_caught(tmp_path):
    assert os.path.join(ROOT, "README.md") in PAGES and len(PAGES) >= 30
    (tmp_path / "a.md").write_text("# Real heading\n", encoding="utf-8")
    page = tmp_path / "b.md"
    page.write_text("[ok](a.md#real-heading) [gone](nope.md) [anchor](a.md#no-such) [web](https://x.org/y)\n"
                    "```\n[in a fence](ignored.md)\n```\n", encoding="utf-8")
    assert broken_links(str(page)) == ["nope.md", "a.md#no-such"]


@pytest.mark.parametrize("name", GUIDES)
def test_tables_have_the_same_number_of_cells_in_every_row(name):
    with open(os.path.join(ROOT, "docs", name), encoding="utf-8") as f:
        lines = f.read().split("\n")
    fence, table, bad = False, [], []
    for number, line in enumerate(lines + [""], 1):
        if line.startswith("```"):
            fence = not fence
        if not fence and line.startswith("|"):
            table.append((number, line.count("|") - line.count("\\|")))
        elif table:
            if len(set(cells for _n, cells in table)) > 1:
                bad.append(table[0][0])
            table = []
    assert not bad, "%s: tables starting at lines %s have rows of different widths" % (name, bad)


def _read(*parts):
    with open(os.path.join(ROOT, *parts), encoding="utf-8") as f:
        return f.read()


def test_technician_guide_gives_the_real_maintenance_code():
    from firmware.kiosk import MAINTENANCE_CODE

    assert "**`%s`**" % MAINTENANCE_CODE in _read("docs", "technician.md")


def test_deploy_guide_lists_the_installers_device_layout():
    from lib12333.host.deploy import installer

    layout = re.findall(r"^\s+(/[a-z/<>._]+)\s", installer.__doc__, re.M)
    assert "/active" in layout and "/config/key.bin" in layout
    guide = _read("docs", "deploy.md")
    missing = [p for p in layout if "| `%s` |" % p.replace("/...", "/") not in guide]
    assert not missing, missing


def test_deploy_guide_documents_every_site_setting_the_firmware_reads():
    folder = os.path.join(ROOT, "firmware")
    source = "".join(_read("firmware", n) for n in sorted(os.listdir(folder)) if n.endswith(".py"))
    keys = set(re.findall(r"config(?:\.get\(|\[)\"([a-z_]+)\"", source)) - {"device_id"}
    assert "centre_number" in keys
    guide = _read("docs", "deploy.md")
    missing = sorted(k for k in keys if "`%s`" % k not in guide)
    assert not missing, missing
