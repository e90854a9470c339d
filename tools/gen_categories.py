"""
Generate the national category table of lib12333.categories from the seed text.

The table is the annex of 人社信息函[2010]52号 《人力资源社会保障公共服务信息资源库
分类和编码规范》.  In the seed it is laid out one cell per line: a header
("码", "类别"), then alternately a code line (2 or 4 digits) and a name line,
with blank lines in between.  The table ends at the first line after a name
that is not a code.

    python tools/gen_categories.py                 # rewrite the constant in lib12333/categories.py
    python tools/gen_categories.py --check         # exit 1 if the constant differs from the seed
    python tools/gen_categories.py --seed PATH     # another copy of the seed

The constant is one ``str``: for every code in table order, ``"\\n" + code +
" " + name``, and a final ``"\\n"``.  Nothing else in the module is generated.
"""

import argparse
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.path.join(ROOT, "lib12333", "categories.py")
# The notice with its annex, kept in the repository (protocols/categories/SOURCES.md says where
# it comes from); the whole seed text outside the repository is read first when it is there.
SEED_CANDIDATES = (
    os.path.join(ROOT, "..", "shared", "seed", "000_e5b97d04314d4b4a.txt"),
    os.path.join(ROOT, "shared", "seed", "000_e5b97d04314d4b4a.txt"),
    os.path.join(ROOT, "protocols", "categories", "rsxxh-2010-52.txt"),
)
TITLE = "人力资源社会保障公共服务信息资源库分类和编码规范"
BEGIN = "# BEGIN GENERATED TABLE (tools/gen_categories.py)"
END = "# END GENERATED TABLE"


class SeedFormatError(Exception):
    pass


def find_seed(explicit=None):
    """Path of the seed file, or None when it is not on this machine."""
    for path in (explicit,) if explicit else SEED_CANDIDATES:
        if path and os.path.isfile(path):
            return os.path.normpath(path)
    return None


def _is_code(text):
    return len(text) in (2, 4) and text.isdigit() and text.isascii()


def parse_seed(text):
    """[(code, name), ...] in the order of the annex table."""
    lines = text.split("\n")
    start = None
    for i, line in enumerate(lines):
        # the title appears in the notice body too; the annex copy sits on its own line
        if line.strip() == TITLE:
            start = i
    if start is None:
        raise SeedFormatError("annex title not found")
    cells = []
    for number in range(start + 1, len(lines)):
        cell = lines[number].strip()
        if cell:
            cells.append((number + 1, cell))
    if [c for _, c in cells[:2]] != ["码", "类别"]:
        raise SeedFormatError("header cells 码 / 类别 not found after the title")
    table = []
    i = 2
    while i + 1 < len(cells) and _is_code(cells[i][1]):
        line, code = cells[i]
        name = cells[i + 1][1]
        if _is_code(name):
            raise SeedFormatError("line %d: code %s has no name" % (line, code))
        if " " in name or "\t" in name:
            raise SeedFormatError("line %d: name contains white space" % (line + 1))
        table.append((code, name))
        i += 2
    return table


def check_structure(table):
    """The properties the core relies on; raises SeedFormatError."""
    codes = [c for c, _ in table]
    if codes != sorted(codes):
        raise SeedFormatError("codes are not in ascending order")
    if len(set(codes)) != len(codes):
        raise SeedFormatError("duplicate codes")
    classes = {c for c in codes if len(c) == 2}
    for c in codes:
        if len(c) == 4 and c[:2] not in classes:
            raise SeedFormatError("sub-class %s has no class" % c)


def render(table):
    out = [BEGIN, "_TABLE = ("]
    for code, name in table:
        out.append('    "\\n%s %s"' % (code, name))
    out.append('    "\\n"')
    out.append(")")
    out.append(END)
    return "\n".join(out)


def splice(source, block):
    a = source.index(BEGIN)
    b = source.index(END, a) + len(END)
    return source[:a] + block + source[b:]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].strip())
    parser.add_argument("--seed", help="path of 000_e5b97d04314d4b4a.txt")
    parser.add_argument("--check", action="store_true", help="compare only, do not write")
    args = parser.parse_args(argv)
    seed = find_seed(args.seed)
    if seed is None:
        print("seed file not found; pass --seed", file=sys.stderr)
        return 2
    with open(seed, encoding="utf-8") as f:
        table = parse_seed(f.read())
    check_structure(table)
    with open(TARGET, encoding="utf-8") as f:
        source = f.read()
    new = splice(source, render(table))
    n_class = sum(1 for c, _ in table if len(c) == 2)
    print("%d codes: %d classes, %d sub-classes" % (len(table), n_class, len(table) - n_class))
    if args.check:
        if new != source:
            print("lib12333/categories.py is out of date: run tools/gen_categories.py", file=sys.stderr)
            return 1
        return 0
    if new != source:
        with open(TARGET, "w", encoding="utf-8") as f:
            f.write(new)
        print("wrote " + os.path.relpath(TARGET, ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
