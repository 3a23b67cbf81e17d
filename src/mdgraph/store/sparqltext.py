"""A lexical view of SPARQL text: enough structure to check and adjust a request before it runs.

Oxigraph parses the query itself; this scanner only finds what must be decided before that
(the query form for content negotiation, SERVICE, LOAD, FROM/USING/WITH IRIs) and where a
clause can be inserted. Tokens inside strings, IRIs and comments are never mistaken for
keywords, so `"SERVICE"` or `<http://x/#FROM>` are harmless.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin

from ..errors import QueryError

_TOKEN = re.compile(
    r'''(?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^'\\]|\\.|'(?!\'\'))*\'\'\''''
    r'''|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')'''
    r'''|(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)'''
    r'''|(?P<comment>\#[^\n]*)'''
    r'''|(?P<var>[?$][\w\u00B7-\uFFFF]+)'''
    r'''|(?P<pname>(?:[A-Za-z\u00C0-\uFFFF][\w.\-\u00B7-\uFFFF]*)?:(?:[\w\-:%\\\u00B7-\uFFFF]|\.(?=[\w\-:%\u00B7-\uFFFF]))*)'''
    r'''|(?P<word>[A-Za-z_][\w\-]*)'''
    r'''|(?P<space>\s+)'''
    r'''|(?P<other>.)''',
    re.DOTALL,
)

QUERY_FORMS = ("select", "ask", "construct", "describe")
#: Deepest nesting of { ( [ a request may have: the engine's parser recurses per level and a few
#: thousand levels overflow its stack (a crash, not an error), while real queries nest < 20.
MAX_NESTING = 100
UPDATE_KEYWORDS = {"insert", "delete", "load", "clear", "create", "drop", "copy", "move", "add", "with"}


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int
    brace_depth: int
    paren_depth: int

    def is_word(self, *words: str) -> bool:
        return self.kind == "word" and self.text.lower() in words


def tokenize(text: str) -> list[Token]:
    """The significant tokens (no spaces or comments), each with its nesting depth."""
    tokens: list[Token] = []
    braces = parens = 0
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        value = match.group()
        if kind in ("space", "comment"):
            continue
        if value in "})" and kind == "other":
            braces -= value == "}"
            parens -= value == ")"
        tokens.append(Token(kind, value, match.start(), braces, parens))
        if value in "{(" and kind == "other":
            braces += value == "{"
            parens += value == "("
    return tokens


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


def check_nesting(tokens: list[Token]) -> None:
    """Raise QueryError when brackets nest deeper than MAX_NESTING."""
    depth = 0
    for tok in tokens:
        if tok.kind != "other":
            continue
        if tok.text in "{([":
            depth += 1
            if depth > MAX_NESTING:
                raise QueryError(
                    f"the request nests {{ ( [ deeper than {MAX_NESTING} levels (at character {tok.start}): "
                    "flatten it"
                )
        elif tok.text in "})]":
            depth -= 1


def shape(text: str, base: str | None = None) -> Shape:
    """Scan a query or update; prefixed names and relative IRIs are resolved as SPARQL does.
    Refuses (QueryError) nesting beyond MAX_NESTING before any parser sees the text."""
    tokens = tokenize(text)
    check_nesting(tokens)
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
