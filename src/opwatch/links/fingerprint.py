"""Fingerprints of prompt scaffolds and of code, shared by the template and lineage layers.

Scaffolds. :func:`mask_prompt` keeps a prompt's structure and masks what an
operator fills in: fenced code, URLs, e-mail addresses, handles, hashtags,
quoted strings, numbers, capitalised names inside a sentence, and long pasted
blocks (a line of more than ``max_span_tokens`` tokens when the prompt has
other lines). The mask is deterministic, so :func:`scaffold_hash` (a 64-bit
SimHash over masked token 3-shingles, written ``sc1:<16 hex>``) can be computed
by a peer on their own logs and compared by Hamming distance
(:func:`scaffold_distance`; <= 10 of 64 bits is "same scaffold").

Code. :func:`extract_code` finds code in a prompt or response (fenced blocks,
or the whole text when most lines look like code). :func:`code_fingerprints`
returns winnowed hashes of token 5-grams (identifiers kept, literals and
comments dropped) plus, for Python that parses, hashes of function and class
bodies with every identifier renamed by order of appearance, so a renamed
variable or one edited line leaves most fingerprints in place.
"""

from __future__ import annotations

import ast
import re
import unicodedata

import numpy as np
import xxhash

PLACEHOLDERS = ("<code>", "<url>", "<email>", "<user>", "<tag>", "<q>", "<num>", "<name>", "<span>", "<v>")

_FENCE = re.compile(r"```.*?(?:```|$)", re.S)
_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.I)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b")
_HANDLE = re.compile(r"(?<!\w)@\w+")
_TAG = re.compile(r"(?<!\w)#\w+")
_QUOTED = re.compile(r"\"[^\"\n]{1,400}\"|“[^”\n]{1,400}”|«[^»\n]{1,400}»|„[^“\n]{1,400}“|(?<!\w)'[^'\n]{3,400}'(?!\w)")
_NUMBER = re.compile(r"(?<![\w<])[-+]?\d[\d.,:/-]*(?:%|st|nd|rd|th)?(?![\w>])")
_WORD = re.compile(r"<\w+>|\w+|[^\w\s]")
#: one pass over the text, alternatives in priority order (a URL inside a quote stays a quote)
_FILL_IN = re.compile(
    "|".join(f"(?P<{name}>{rx.pattern})" for name, rx in (
        ("code", _FENCE), ("q", _QUOTED), ("url", _URL), ("email", _EMAIL), ("user", _HANDLE),
        ("tag", _TAG), ("num", _NUMBER),
    )),
    re.S | re.I,
)


def _placeholder(match: re.Match[str]) -> str:
    return f" <{match.lastgroup}> "
_SENTENCE_END = {".", "!", "?", ":", "\n"}


def _mask_names(line: str) -> str:
    """Replace capitalised words that do not start a sentence with <name>."""
    out: list[str] = []
    prev = "\n"
    for tok in _WORD.findall(line):
        if tok[0].isupper() and tok.isalpha() and prev not in _SENTENCE_END and not tok.isupper():
            out.append("<name>")
        else:
            out.append(tok)
        prev = tok
    return " ".join(out)


def mask_prompt(text: str | None, max_span_tokens: int = 60) -> str:
    """The scaffold of a prompt: structure kept, filled-in parts replaced by placeholders."""
    if not text:
        return ""
    t = _FILL_IN.sub(_placeholder, unicodedata.normalize("NFKC", text))
    lines = [ln for ln in (x.strip() for x in t.splitlines()) if ln]
    masked: list[str] = []
    for line in lines:
        toks = _mask_names(line).split()
        if len(toks) > max_span_tokens and len(lines) > 1:
            toks = ["<span>"]
        masked.append(" ".join(toks).lower())
    joined = " \n ".join(masked)
    # consecutive placeholders of any kind collapse into one
    return re.sub(r"(<\w+>)(?:[ \t]+<\w+>)+", r"\1", joined)


def scaffold_tokens(masked: str) -> list[str]:
    """Tokens of a masked prompt; line breaks are kept as the token ``\\n``."""
    return [tok for tok in re.split(r"[ \t]+", masked) if tok]


def _shingles(tokens: list[str], k: int) -> list[str]:
    if len(tokens) < k:
        return [" ".join(tokens)] if tokens else []
    return [" ".join(tokens[i : i + k]) for i in range(len(tokens) - k + 1)]


def simhash64(features: list[str]) -> int:
    """64-bit SimHash of a list of feature strings (0 for none)."""
    if not features:
        return 0
    hashes = np.fromiter((xxhash.xxh64_intdigest(f.encode("utf-8")) for f in features), dtype="<u8")
    bits = np.unpackbits(hashes.view(np.uint8).reshape(-1, 8), axis=1, bitorder="little")
    ones = bits.sum(axis=0, dtype=np.int64)  # bit i of the hash is column i
    return int(np.packbits(ones * 2 > len(hashes), bitorder="little").view("<u8")[0])


def scaffold_hash(text: str | None) -> str:
    """Shareable fuzzy hash of a prompt's scaffold: ``sc1:`` and 16 hex digits."""
    return f"sc1:{simhash64(_shingles(scaffold_tokens(mask_prompt(text)), 3)):016x}"


def scaffold_distance(a: str, b: str) -> int:
    """Hamming distance (0..64) between two :func:`scaffold_hash` values."""
    return (int(a.split(":", 1)[1], 16) ^ int(b.split(":", 1)[1], 16)).bit_count()


# ---------------------------------------------------------------- code

_CODE_LINE = re.compile(
    r"[;{}]\s*$|^\s*(def|class|import|from|return|if|for|while|function|const|let|var|#include|"
    r"public|private|async|await|try|except|catch|elif|else)\b|^\s*\w+(\.\w+)*\s*\(.*\)\s*;?\s*$|"
    r"^\s*[\w.\[\]]+\s*[+\-*/]?=\s*\S"
)
_COMMENT = re.compile(r"#[^\n]*|//[^\n]*|/\*.*?\*/", re.S)
_STRING = re.compile(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'|`[^`]*`')
_CODE_TOKEN = re.compile(r"[A-Za-z_]\w*|\d+(?:\.\d+)?|==|!=|<=|>=|->|=>|\+=|-=|&&|\|\||::|[^\s\w]")


def extract_code(text: str | None, min_lines: int = 3) -> list[str]:
    """Code blocks in ``text``: fenced blocks, else the whole text if most lines look like code."""
    if not text:
        return []
    blocks = [m.group(0).strip("`") for m in _FENCE.finditer(text)]
    blocks = [b.split("\n", 1)[1] if "\n" in b else b for b in blocks]  # drop the language tag
    if blocks:
        return [b for b in blocks if b.count("\n") + 1 >= min_lines]
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if len(lines) >= min_lines and sum(bool(_CODE_LINE.search(ln)) for ln in lines) >= 0.6 * len(lines):
        return [text]
    return []


def code_tokens(code: str) -> list[str]:
    """Lexical tokens: identifiers (lower case) and operators kept; strings -> S, numbers -> N."""
    code = _STRING.sub(" S ", code)
    code = _COMMENT.sub(" ", code)
    out = []
    for tok in _CODE_TOKEN.findall(code):
        out.append("N" if tok[0].isdigit() else tok if tok == "S" else tok.lower())
    return out


def winnow(tokens: list[str], k: int = 5, window: int = 4) -> set[int]:
    """Winnowing (Schleimer et al. 2003): the minimum k-gram hash of every window."""
    if len(tokens) < k:
        return set()
    grams = np.fromiter(
        (xxhash.xxh64_intdigest("\x1f".join(tokens[i : i + k]).encode()) for i in range(len(tokens) - k + 1)),
        dtype=np.uint64,
    )
    if len(grams) <= window:
        return {int(grams.min())}
    view = np.lib.stride_tricks.sliding_window_view(grams, window)
    return {int(x) for x in view.min(axis=1)}


class _Renamer(ast.NodeTransformer):
    """Rename identifiers by order of first appearance (v0, v1, …)."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}

    def _n(self, name: str) -> str:
        return self.names.setdefault(name, f"v{len(self.names)}")

    def _named(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> ast.AST:
        node.name = self._n(node.name)
        self.generic_visit(node)
        return node

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _named

    def visit_Name(self, node: ast.Name) -> ast.AST:
        node.id = self._n(node.id)
        return node

    def visit_arg(self, node: ast.arg) -> ast.AST:
        node.arg = self._n(node.arg)
        node.annotation = None
        return node

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        self.generic_visit(node)
        node.attr = self._n(node.attr)
        return node

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        node.value = type(node.value).__name__
        return node


def python_fingerprints(code: str, min_nodes: int = 12) -> set[int]:
    """Hashes of renamed function/class bodies of parsable Python (empty if it does not parse)."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError):
        return set()
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            if sum(1 for _ in ast.walk(node)) < min_nodes:
                continue
            renamed = _Renamer().visit(ast.parse(ast.unparse(node)))
            out.add(xxhash.xxh64_intdigest(ast.dump(renamed, annotate_fields=False).encode()))
    return out


def code_fingerprints(code: str, k: int = 5, window: int = 4) -> set[str]:
    """Fingerprints of one code block: ``w:<hex>`` winnowed k-grams and ``ast:<hex>`` bodies."""
    fps = {f"w:{h:016x}" for h in winnow(code_tokens(code), k, window)}
    fps |= {f"ast:{h:016x}" for h in python_fingerprints(code)}
    return fps
