#!/usr/bin/env python3
"""Syntax check for the Windows PowerShell collector scripts (no PowerShell needed).

Usage: python3 collectors/check_syntax.py FILE.ps1 [FILE.ps1 ...]

What it checks, per file:

1. The file is plain ASCII. Windows PowerShell 5.1 reads a script without a byte-order mark in
   the system's ANSI code page, so any UTF-8 character is mangled there; some mangled bytes
   (0x93/0x94 in code page 1252) are even taken as quote characters and break the parse.
2. It parses with tree-sitter-powershell: every ERROR and MISSING node is reported with its
   line and column.
3. It uses no syntax that only PowerShell 7 accepts (Windows PowerShell 5.1 rejects it):
   pipeline chains `&&` / `||`, null-coalescing `??` / `??=`, null-conditional `?.` / `?[`,
   the ternary `a ? b : c`, and `ForEach-Object -Parallel`. The grammar accepts some of these
   (it parses `&&`/`||` as a pipeline chain), so they are also looked for in the text, outside
   strings and comments.
4. It uses nothing that Windows PowerShell 4.0 (Windows Server 2012 R2 as shipped) rejects:
   `class`, `enum`, `using namespace|module|assembly`, `[Type]::new(...)`.

Exit status: 0 clean, 1 problems found (each printed as `file:line:column: message`),
2 usage error or the tree-sitter modules are not installed.
"""

from __future__ import annotations

import re
import sys

# Node types of tree-sitter-powershell 0.26 whose text is string content, not code.
STRING_NODE_TYPES = frozenset(
    {
        "string_literal",
        "expandable_string_literal",
        "expandable_here_string_literal",
        "verbatim_string_characters",
        "verbatim_here_string_characters",
    }
)

# Node types that only exist in PowerShell 5.0 and later.
PS5_ONLY_NODE_TYPES = {
    "class_statement": "'class' needs PowerShell 5.0; the collector must also run on 4.0",
    "enum_statement": "'enum' needs PowerShell 5.0; the collector must also run on 4.0",
}

# Textual checks over code (strings and comments blanked out): (regex, message).
TEXT_RULES = [
    (re.compile(r"&&"), "'&&' pipeline chain is PowerShell 7 only"),
    (re.compile(r"\|\|"), "'||' pipeline chain is PowerShell 7 only"),
    (re.compile(r"\?\?"), "'??' null-coalescing operator is PowerShell 7 only"),
    (
        re.compile(r"(?<=[\w)}\]])\?[.\[]"),
        "'?.' / '?[' null-conditional access is PowerShell 7 only",
    ),
    (re.compile(r"(?i)(?<![\w-])-parallel\b"), "'-Parallel' is PowerShell 7 only"),
    (re.compile(r"(?i)::new\s*\("), "'[Type]::new()' needs PowerShell 5.0; use New-Object"),
    (
        re.compile(r"(?im)^[ \t]*using[ \t]+(namespace|module|assembly)\b"),
        "'using' statements need PowerShell 5.0",
    ),
]

# A '?' standing alone, after the end of an operand: the ternary operator (PowerShell 7).
# After '|' or at the start of a statement, '?' is the Where-Object alias and is fine.
TERNARY_QUESTION = re.compile(r"(?<=[\w)}\]'\"])[ \t]+\?[ \t]+")
TERNARY_COLON = re.compile(r"[ \t]:[ \t]")


def load_parser():
    """Return a tree-sitter parser for PowerShell, or None when the modules are missing."""
    try:
        import tree_sitter_powershell
        from tree_sitter import Language, Parser
    except ImportError:
        return None
    return Parser(Language(tree_sitter_powershell.language()))


def line_col(source: bytes, offset: int) -> tuple[int, int]:
    """1-based line and column (in bytes; the file is ASCII) of a byte offset."""
    line = source.count(b"\n", 0, offset) + 1
    start = source.rfind(b"\n", 0, offset) + 1
    return line, offset - start + 1


def check_ascii(source: bytes) -> list[tuple[int, str]]:
    problems = []
    seen_lines = set()
    for index, byte in enumerate(source):
        if byte > 0x7F:
            line, _ = line_col(source, index)
            if line not in seen_lines:
                seen_lines.add(line)
                problems.append(
                    (
                        index,
                        f"non-ASCII byte 0x{byte:02X}: Windows PowerShell 5.1 reads a script "
                        "without BOM as ANSI; keep the collector ASCII-only",
                    )
                )
    return problems


def check_parse_errors(root) -> list[tuple[int, str]]:
    problems = []
    stack = [root]
    while stack:
        node = stack.pop()
        if node.is_missing:
            problems.append((node.start_byte, f"parse error: missing '{node.type}'"))
        elif node.type == "ERROR":
            text = node.text.decode("ascii", errors="replace").splitlines()
            first = text[0].strip() if text else ""
            problems.append((node.start_byte, f"parse error: unexpected {first[:60]!r}"))
        if node.type in PS5_ONLY_NODE_TYPES:
            problems.append((node.start_byte, PS5_ONLY_NODE_TYPES[node.type]))
        if node.type == "pipeline_chain_tail":
            problems.append((node.start_byte, "pipeline chain ('&&' / '||') is PowerShell 7 only"))
        stack.extend(reversed(node.children))
    return problems


def code_mask(root, length: int) -> bytearray:
    """1 for bytes that are code, 0 for bytes inside comments and string text.

    Sub-expressions inside expandable strings (`"...$(code)..."`) count as code again.
    """
    mask = bytearray(b"\x01") * length

    def blank(node):
        mask[node.start_byte : node.end_byte] = bytes(node.end_byte - node.start_byte)

    def visit(node):
        if node.type == "comment":
            blank(node)
            return
        if node.type in STRING_NODE_TYPES:
            blank(node)
            reinclude_code(node)
            return
        for child in node.children:
            visit(child)

    def reinclude_code(node):
        for child in node.children:
            if child.type == "statement_list":
                mask[child.start_byte : child.end_byte] = b"\x01" * (child.end_byte - child.start_byte)
                visit(child)
            else:
                reinclude_code(child)

    visit(root)
    return mask


def check_text(source: bytes, mask: bytearray) -> list[tuple[int, str]]:
    # Blank out non-code bytes with spaces (newlines kept so lines and columns stay right).
    code = bytes(b if (m or b == 0x0A) else 0x20 for b, m in zip(source, mask)).decode("ascii", errors="replace")
    problems = []
    for pattern, message in TEXT_RULES:
        for match in pattern.finditer(code):
            problems.append((match.start(), message))
    for match in TERNARY_QUESTION.finditer(code):
        end_of_line = code.find("\n", match.end())
        rest = code[match.end() : end_of_line if end_of_line >= 0 else len(code)]
        if TERNARY_COLON.search(rest):
            problems.append((match.start(), "'a ? b : c' ternary operator is PowerShell 7 only"))
    return problems


def check_file(parser, path: str) -> int:
    try:
        with open(path, "rb") as handle:
            source = handle.read()
    except OSError as err:
        print(f"{path}: cannot read: {err}")
        return 1

    problems = check_ascii(source)
    tree = parser.parse(source)
    problems += check_parse_errors(tree.root_node)
    problems += check_text(source, code_mask(tree.root_node, len(source)))

    unique = sorted(set(problems))
    for offset, message in unique:
        line, column = line_col(source, offset)
        print(f"{path}:{line}:{column}: {message}")
    if unique:
        print(f"{path}: {len(unique)} problem(s)")
        return 1
    print(f"{path}: OK (tree-sitter-powershell parse clean, no PowerShell 7/5-only syntax, ASCII)")
    return 0


def main(argv: list[str]) -> int:
    if len(argv) < 2 or any(arg in ("-h", "--help") for arg in argv[1:]):
        print(__doc__.strip())
        return 2
    parser = load_parser()
    if parser is None:
        print(
            "check_syntax.py: the Python modules 'tree_sitter' and 'tree_sitter_powershell' are "
            "not installed; run: python3 -m pip install -r collectors/requirements.txt"
        )
        return 2
    status = 0
    for path in argv[1:]:
        status |= check_file(parser, path)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
