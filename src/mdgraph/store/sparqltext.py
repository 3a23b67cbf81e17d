"""A lexical view of SPARQL text: enough structure to check and adjust a request before it runs.

Oxigraph parses the query itself; this scanner only finds what must be decided before that
(the query form for content negotiation, SERVICE, LOAD, FROM/USING/WITH IRIs) and where a
clause can be inserted. Tokens inside strings, IRIs and comments are never mistaken for
keywords, so `"SERVICE"` or `<http://x/#FROM>` are harmless.

It also refuses, before any parser sees the text, the shapes that crash or stall the engine in
the calling thread: deep nesting, long flat chains (the parser and planner recurse once per
operand of `1 + 1 + ...`, per UNION branch, per pattern of a group) and huge joins (planning
one costs about n^4).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import urljoin

from ..errors import QueryError

_TOKEN = re.compile(
    r'''(?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^'\\]|\\.|'(?!\'\'))*\'\'\''''
    r'''|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')'''
    r'''|(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)'''
    r'''|(?P<comment>\#[^\n]*)'''
    r'''|(?P<var>[?$][\w\u00B7-\uFFFF]+)'''
    r'''|(?P<pname>(?:[A-Za-z\u00C0-\uFFFF][\w.\-\u00B7-\uFFFF]*)?:(?:[\w\-:%\\\u00B7-\uFFFF]|\.(?=[\w\-:%\u00B7-\uFFFF]))*)'''
    r'''|(?P<bnode>_:[\w\u00B7-\uFFFF](?:[\w.\-\u00B7-\uFFFF]*[\w\-\u00B7-\uFFFF])?)'''
    r'''|(?P<word>[A-Za-z_][\w\-]*)'''
    r'''|(?P<number>\d+\.\d*[eE][+-]?\d+|\d*\.\d+(?:[eE][+-]?\d+)?|\d+(?:[eE][+-]?\d+)?)'''
    r'''|(?P<space>\s+)'''
    r'''|(?P<other>\|\||&&|!=|<=|>=|\^\^|.)''',
    re.DOTALL,
)

QUERY_FORMS = ("select", "ask", "construct", "describe")
#: Deepest nesting of { ( [ a request may have: the engine's parser recurses per level and a few
#: thousand levels overflow its stack (a crash, not an error), while real queries nest < 20.
MAX_NESTING = 100
#: Longest chain of operands, patterns or list items, counted along the brackets they sit in:
#: the parser and the evaluator recurse once per link, and a thread's 8 MB stack overflows
#: (a crash) near 2,600 chained MINUS or SELECT expressions and 7,000 `+` operands.
MAX_CHAIN = 500
#: Most triple patterns, OPTIONALs and sub-groups one group may join, and a request in all:
#: planning a join costs about n^4 (100 patterns about 1 s, 200 about 20 s) and cannot be stopped.
MAX_JOINED = 100
MAX_PATTERNS = 1000
UPDATE_KEYWORDS = {"insert", "delete", "load", "clear", "create", "drop", "copy", "move", "add", "with"}


class Token(NamedTuple):
    kind: str
    text: str
    start: int
    brace_depth: int
    paren_depth: int

    def is_word(self, *words: str) -> bool:
        return self.kind == "word" and self.text.lower() in words


def _scan(text: str) -> Iterator[Token]:
    braces = parens = 0
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind == "space" or kind == "comment":
            continue
        value = match.group()
        if kind == "other" and value in "})":
            braces -= value == "}"
            parens -= value == ")"
        yield Token(kind, value, match.start(), braces, parens)
        if kind == "other" and value in "{(":
            braces += value == "{"
            parens += value == "("


@lru_cache(maxsize=32)
def tokenize(text: str) -> tuple[Token, ...]:
    """The significant tokens (no spaces or comments), each with its nesting depth; remembered
    for the last few texts, as named queries are bound again and again."""
    return tuple(_scan(text))


@dataclass(frozen=True)
class Shape:
    """What a request asks for, as far as the text shows before parsing."""

    form: str | None                 # select/ask/construct/describe, "update", or None if unknown
    from_iris: tuple[str, ...]       # FROM (queries) or USING (updates), resolved
    from_named_iris: tuple[str, ...]  # FROM NAMED / USING NAMED, resolved
    with_iris: tuple[str, ...]       # WITH <g> of updates
    services: tuple[str, ...]        # SERVICE targets (IRIs, prefixed names resolved, or variables)
    loads: bool                      # an update with LOAD


def _resolver(tokens: list[Token], base: str | None):
    prefixes: dict[str, str] = {}
    current_base = base
    for i, tok in enumerate(tokens):
        if tok.is_word("base") and i + 1 < len(tokens) and tokens[i + 1].kind == "iri":
            current_base = _join(current_base, tokens[i + 1].text[1:-1])
        elif tok.is_word("prefix") and i + 2 < len(tokens) and tokens[i + 2].kind == "iri":
            prefixes[tokens[i + 1].text] = _join(current_base, tokens[i + 2].text[1:-1])

    def resolve(tok: Token) -> str:
        if tok.kind == "iri":
            return _join(current_base, tok.text[1:-1])
        if tok.kind == "pname":
            prefix, _, local = tok.text.partition(":")
            namespace = prefixes.get(prefix + ":")
            if namespace is None:
                raise QueryError(f"undeclared prefix {prefix + ':'!r} in {tok.text!r}")
            return namespace + local.replace("\\", "")
        return tok.text

    return resolve


def _join(base: str | None, iri: str) -> str:
    return urljoin(base, iri) if base else iri


_TERMS = frozenset({"var", "iri", "pname", "bnode", "string", "number"})
_OPERATORS = frozenset({"||", "&&", "=", "!=", "<", ">", "<=", ">=", "*", "/", "+", "-", "!", "|", "^"})
_SIGNS = frozenset({"+", "-"})  # binary only after an operand, else the sign of a number
_PATTERN_LINKS = frozenset({".", ";", ",", "/", "|", "^"})
_JOINING_LINKS = frozenset({".", ";", ",", "/"})
_PATTERN_KEYWORDS = frozenset({"union", "optional", "minus", "filter", "bind", "values", "graph", "service"})
_NOT_JOINED_AFTER = frozenset({"union", "minus", "exists"})
#: Words after which a { } holds listed data or a template: never joined, never chained.
_DATA_AFTER = frozenset({"data", "construct", "insert", "delete"})


@dataclass
class _Scope:
    """One open bracket (or the top level) while _checked scans."""

    kind: str                      # "group" ({ } or [ ] of patterns), "expression" (( ) and top level), "data"
    chain: int = 0                 # links counted in this scope so far
    joined: int = 0                # patterns joined here (groups)
    previous: Token | None = None  # the last token or closed bracket in this scope
    earlier: Token | None = None   # the one before it
    values: bool = False           # this ( ) is the variable list of a VALUES


def _ends_operand(scope: _Scope) -> bool:
    """Whether the scope's last token ends an operand (a term, a closed bracket, a language tag)."""
    tok = scope.previous
    if tok is None:
        return False
    if tok.kind in _TERMS or (tok.kind == "other" and tok.text in ")]"):
        return True
    language_tag = scope.earlier is not None and scope.earlier.text == "@"
    return tok.kind == "word" and (tok.text.lower() in ("true", "false") or language_tag)


def _opens_data(scope: _Scope) -> bool:
    """Whether a { here opens a VALUES block, a template or INSERT/DELETE DATA."""
    tok, earlier = scope.previous, scope.earlier
    if tok is None:
        return False
    if tok.kind == "word":
        return tok.text.lower() in _DATA_AFTER
    if tok.kind == "var":
        return earlier is not None and earlier.is_word("values")
    return tok.text == ")" and scope.values


def _checked(tokens: Iterable[Token]) -> Iterator[Token]:
    """Pass `tokens` through, raising QueryError as soon as brackets nest past MAX_NESTING,
    operands, patterns or list items chain past MAX_CHAIN (counting those of every bracket
    around them, so nesting cannot multiply a chain), or a group joins more than MAX_JOINED
    patterns (MAX_PATTERNS in the whole request). Stopping early keeps a hostile megabyte cheap."""
    stack = [_Scope("expression")]
    depth = 1  # sum over the open scopes of 1 + chain: a bound on the depth of the parsed tree
    patterns = 0

    def link(tok: Token, chain: bool = True, joins: bool = False) -> None:
        nonlocal depth, patterns
        if chain:
            stack[-1].chain += 1
            depth += 1
            if depth > MAX_CHAIN:
                raise QueryError(
                    f"the request chains more than {MAX_CHAIN} operators, patterns or list items (at character "
                    f"{tok.start}, counting those of the brackets around it): the query engine would run out of "
                    "stack. Put long lists of alternatives in VALUES or IN (...), and split long chains of UNION, "
                    "FILTER, BIND, OPTIONAL or MINUS into several queries"
                )
        group = next((s for s in reversed(stack) if s.kind == "group"), None) if joins else None
        if group is not None:
            group.joined += 1
            patterns += 1
            if group.joined > MAX_JOINED or patterns > MAX_PATTERNS:
                raise QueryError(
                    f"the request joins more than {MAX_JOINED} triple patterns, OPTIONALs or sub-groups in one group, "
                    f"or {MAX_PATTERNS} in all (at character {tok.start}): the engine's time to plan a join grows "
                    "with the fourth power of its size and cannot be interrupted. "
                    "Split it into several queries, or list alternative values in VALUES instead of repeating patterns"
                )

    for tok in tokens:
        scope = stack[-1]
        other = tok.text if tok.kind == "other" else None
        word = tok.text.lower() if tok.kind == "word" else None
        opens = other is not None and other in "{(["
        after_word = scope.previous is not None and scope.previous.kind == "word"
        if scope.kind == "group":
            if other in _PATTERN_LINKS:
                link(tok, joins=other in _JOINING_LINKS)
            elif word in _PATTERN_KEYWORDS:
                link(tok)
            elif other == "{":  # a sub-group: joined, unless it is a UNION or MINUS branch or an EXISTS
                joins = not (after_word and scope.previous.text.lower() in _NOT_JOINED_AFTER)
                link(tok, chain=not after_word, joins=joins)
            elif other == "[":
                link(tok, chain=False, joins=True)
        elif scope.kind == "expression":
            after_prefix = scope.earlier is not None and scope.earlier.is_word("prefix")
            if other in _OPERATORS and (other not in _SIGNS or _ends_operand(scope)):
                link(tok)
            elif (tok.kind in _TERMS or opens or word in ("true", "false")) and _ends_operand(scope) and not after_prefix:
                link(tok, joins=not scope.values)  # items side by side: a collection, a SELECT or DESCRIBE list
        if opens:
            if len(stack) > MAX_NESTING:
                raise QueryError(
                    f"the request nests {{ ( [ deeper than {MAX_NESTING} levels (at character {tok.start}): "
                    "flatten it"
                )
            kind = "data" if scope.kind == "data" or (other == "{" and _opens_data(scope)) else \
                {"{": "group", "(": "expression", "[": "group"}[other]
            values = other == "(" and scope.previous is not None and scope.previous.is_word("values")
            stack.append(_Scope(kind, values=values))
            depth += 1
            scope.earlier, scope.previous = scope.previous, tok
        elif other is not None and other in "})]" and len(stack) > 1:
            closed = stack.pop()
            depth -= 1 + closed.chain
            parent = stack[-1]
            parent.earlier, parent.previous, parent.values = parent.previous, tok, closed.values
        else:
            scope.earlier, scope.previous = scope.previous, tok
        yield tok


def check_limits(text: str) -> None:
    """Refuse (QueryError) a query or update the engine would crash or stall on: nesting past
    MAX_NESTING, chains past MAX_CHAIN, joins past MAX_JOINED / MAX_PATTERNS. Run it before
    any parser sees the text (shape() does)."""
    for _ in _checked(_scan(text)):
        pass


@lru_cache(maxsize=32)
def shape(text: str, base: str | None = None) -> Shape:
    """Scan a query or update; prefixed names and relative IRIs are resolved as SPARQL does.
    Refuses (QueryError) nesting beyond MAX_NESTING and chains beyond MAX_CHAIN / MAX_JOINED
    before any parser sees the text. Remembered for the last few texts: the service shapes a
    request and the store that runs it shapes it again, and a scan costs tenths of a millisecond."""
    tokens = list(_checked(_scan(text)))
    resolve = _resolver(tokens, base)
    form = None
    froms: list[str] = []
    named: list[str] = []
    withs: list[str] = []
    services: list[str] = []
    loads = False
    for i, tok in enumerate(tokens):
        after = tokens[i + 1] if i + 1 < len(tokens) else None
        if form is None and tok.brace_depth == 0 and tok.paren_depth == 0:
            if tok.is_word(*QUERY_FORMS):
                form = tok.text.lower()
            elif tok.is_word(*UPDATE_KEYWORDS):
                form = "update"
        if tok.is_word("service") and after is not None:
            target = tokens[i + 2] if after.is_word("silent") and i + 2 < len(tokens) else after
            services.append(resolve(target))
        elif tok.is_word("load"):
            loads = True
        elif tok.is_word("from", "using") and after is not None and tok.brace_depth == 0:
            if after.is_word("named") and i + 2 < len(tokens):
                named.append(resolve(tokens[i + 2]))
            elif after.kind in ("iri", "pname"):
                froms.append(resolve(after))
        elif tok.is_word("with") and after is not None and after.kind in ("iri", "pname") and tok.brace_depth == 0:
            withs.append(resolve(after))
    return Shape(form, tuple(froms), tuple(named), tuple(withs), tuple(services), loads)


def add_using(update: str, default_iris: tuple[str, ...], named_iris: tuple[str, ...]) -> str:
    """Give every INSERT/DELETE ... WHERE operation the protocol's using-graph-uri dataset.

    SPARQL 1.1 Protocol 2.2.3: using-graph-uri / using-named-graph-uri act as USING /
    USING NAMED clauses of each operation; the caller rejects updates that already have them.
    """
    if not default_iris and not named_iris:
        return update
    clause = " ".join([f"USING <{iri}>" for iri in default_iris] + [f"USING NAMED <{iri}>" for iri in named_iris])
    tokens = tokenize(update)
    inserts = [
        tok.start
        for i, tok in enumerate(tokens)
        if tok.is_word("where") and tok.brace_depth == 0 and not (i and tokens[i - 1].is_word("delete"))
    ]
    for position in reversed(inserts):
        update = f"{update[:position]}{clause} {update[position:]}"
    return update


def add_values(query: str, values: dict[str, str]) -> str:
    """Put `VALUES (?a ?b) { (t1 t2) }` first in the query's WHERE group.

    For stores without SEP-0007 substitution (remote endpoints): `values` maps variable
    names to terms already written in N-Triples syntax by a term serialiser, never raw input.
    """
    if not values:
        return query
    tokens = tokenize(query)
    form_index = next(
        (i for i, t in enumerate(tokens) if t.brace_depth == 0 and t.paren_depth == 0 and t.is_word(*QUERY_FORMS)),
        None,
    )
    if form_index is None:
        raise QueryError("cannot bind parameters: no SELECT, ASK, CONSTRUCT or DESCRIBE found")
    opening = [t for t in tokens[form_index:] if t.text == "{" and t.kind == "other" and t.brace_depth == 0 and t.paren_depth == 0]
    form = tokens[form_index].text.lower()
    short_construct = form == "construct" and form_index + 1 < len(tokens) and tokens[form_index + 1].is_word("where")
    index = 1 if form == "construct" and not short_construct else 0
    if short_construct or len(opening) <= index:
        raise QueryError(f"cannot bind parameters of this {form.upper()} query: it has no separate WHERE group")
    names = " ".join(f"?{name}" for name in values)
    row = " ".join(values.values())
    position = opening[index].start + 1
    return f"{query[:position]} VALUES ({names}) {{ ({row}) }} {query[position:]}"
