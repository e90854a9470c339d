"""``lib12333 categories``: the category codes of 人社信息函[2010]52号 and local extensions."""

from lib12333.host.cli import EXIT_NO, EXIT_OK
from lib12333.host.cli.common import usage_handler
from lib12333.host.cli.output import add_json_flag, emit


def register(subparsers):
    parser = subparsers.add_parser(
        "categories",
        help="look up, search and list the information-library category codes",
        description="The national category codes of 人社信息函[2010]52号 (27 classes, 146 sub-classes), "
        "optionally extended by province (6-digit) and city (8-digit) tables.",
    )
    sub = parser.add_subparsers(dest="categories_command", metavar="ACTION")

    show = sub.add_parser(
        "show", help="one code: name, level, parent, children", description="Show one code."
    )
    show.add_argument("code", help="a 2, 4, 6 or 8-digit category code")
    _common(show)
    show.set_defaults(handler=_show)

    search = sub.add_parser(
        "search",
        help="find codes by Chinese text",
        description="Codes whose name contains TEXT: exact matches first, then names starting with TEXT, "
        "then the rest, each in code order. Exit status 1 when nothing matches.",
    )
    search.add_argument("text", help="Chinese text, e.g. 养老")
    search.add_argument("--limit", type=int, default=None, help="print at most this many matches")
    _common(search)
    search.set_defaults(handler=_search)

    tree = sub.add_parser(
        "tree", help="the tree below a code (or the whole tree)", description="Print the tree below CODE."
    )
    tree.add_argument("code", nargs="?", default=None, help="a category code (default: every class)")
    _common(tree)
    tree.set_defaults(handler=_tree)

    parser.set_defaults(handler=usage_handler(parser))


def _common(parser):
    add_json_flag(parser)
    parser.add_argument(
        "--extensions",
        nargs="+",
        metavar="FILE",
        default=[],
        help="local extension tables (JSON, see docs/categories.md): at most one province and one city table",
    )


def load_tree(paths):
    """The effective tree for the extension files given on the command line."""
    from lib12333 import categories
    from lib12333.category_ext import LEVEL_CITY, load_extension
    from lib12333.errors import ConfigError

    province = city = None
    for path in paths:
        with open(path, "rb") as f:
            table = load_extension(f.read(), source=path)
        if table.level == LEVEL_CITY:
            if city is not None:
                raise ConfigError("more than one city table", source=path)
            city = table
        else:
            if province is not None:
                raise ConfigError("more than one province table", source=path)
            province = table
    return categories.effective_tree(province, city)


def _entry(tree, code):
    from lib12333.categories import LEVEL_NAMES

    cat = tree.validate(code)
    parent = cat.parent
    return {
        "code": cat.code,
        "name": cat.name,
        "level": cat.level,
        "level_name": LEVEL_NAMES[cat.level],
        "parent": parent,
        "parent_name": tree.lookup(parent) if parent else None,
        "path": [{"code": c.code, "name": c.name} for c in tree.path(code)],
        "children": [{"code": c, "name": tree.lookup(c)} for c in tree.children(code)],
    }


def _show(args):
    tree = load_tree(args.extensions)
    data = _entry(tree, args.code)

    def text(d):
        lines = [d["code"] + "  " + d["name"], "level:    %d (%s)" % (d["level"], d["level_name"])]
        lines.append("parent:   " + (d["parent"] + "  " + d["parent_name"] if d["parent"] else "(none)"))
        lines.append("path:     " + " > ".join(p["name"] for p in d["path"]))
        if d["children"]:
            lines.append("children:")
            lines.extend("  " + c["code"] + "  " + c["name"] for c in d["children"])
        else:
            lines.append("children: (none)")
        return "\n".join(lines)

    emit(data, args.json, text)
    return EXIT_OK


def _search(args):
    tree = load_tree(args.extensions)
    hits = tree.search(args.text, args.limit)
    data = [{"code": h.code, "name": h.name, "level": h.level} for h in hits]
    emit(data, args.json, lambda d: "\n".join(h["code"] + "  " + h["name"] for h in d) or "(no match)")
    return EXIT_OK if hits else EXIT_NO


def _tree(args):
    tree = load_tree(args.extensions)
    rows = list(tree.walk(args.code))
    if args.json:
        roots = []
        stack = []
        for depth, cat in rows:
            node = {"code": cat.code, "name": cat.name, "children": []}
            del stack[depth:]
            (stack[-1]["children"] if stack else roots).append(node)
            stack.append(node)
        emit(roots if args.code is None else roots[0], True)
    else:
        emit(rows, False, lambda r: "\n".join("  " * d + c.code + "  " + c.name for d, c in r))
    return EXIT_OK
