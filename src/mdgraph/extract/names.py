"""Organisation names as documents write them: the lists under a partner or donor label
("ETF in collaboration with the MPC, MD Government") and the names running text gives
("UNDP, the Ministry of Diaspora (MOD) and the Ministry of Trade and Industry of Kosovo*").

Pure functions, no I/O.
"""

from __future__ import annotations

import re

from mdgraph.extract.text import (
    country_resolver,
    find_countries,
    fold,
    is_acronym,
    is_country,
    list_groups,
    normalise_key,
    organisation_names,
    split_top_level,
    split_top_level_keeping,
    starts_proper,
    strip_item,
)

#: A word, a bracketed group or a punctuation mark of a name.
NAME_TOKEN = re.compile(r"\([^()]{1,60}\)|[\w’'*&/-]+(?:\.(?=\w)[\w’'*&/-]+)*|[^\w\s]")
#: Small words that may stand inside a name ("Ministry of Labour and Social Protection").
NAME_CONNECTORS = frozenset("of for and on in the under de del la le el des du pour y et für to & at through "
                            "against".split())
#: Words that make a phrase an organisation's name ("Ministry of Health", "Ford Foundation").
ORGANISATION_HEADS = frozenset(
    """ministry ministries ministerio ministère ministere government gobierno gouvernement department
    departamento office oficina agency agencia agence commission comisión comision secretariat
    secretaría secretaria bureau directorate embassy university universidad université universite
    institute instituto institut centre center centro foundation fundación fundacion fund fondo bank
    banco council consejo organisation organization organización organizacion authority association
    asociación asociacion chamber cámara camara federation federación union service observatory
    academy college caritas""".split()
)
#: Plural heads of collectives that are no one organisation ("UN agencies", "local actors").
_COLLECTIVES = frozenset(
    """governments agencies ministries authorities partners groups actors members communities
    stakeholders institutions organizations organisations departments municipalities donors ngos
    csos associations offices missions""".split()
)
ROLE_FUNDER = "funder"
ROLE_IMPLEMENTER = "implementer"

# --- lists under a label ----------------------------------------------------------------------

_ORG_SEPARATOR = re.compile(r"\s*[;,]\s*|\s+/\s+|(?<=[a-z]{3})\.\s+(?=[A-Z])")
_ORG_AND = re.compile(r"\s+(?:and|y|et|&)\s+", re.IGNORECASE)
_COLLABORATION = re.compile(
    r"\s+in\s+(?:close\s+)?(?:collaboration|cooperation|partnership|association)\s+with\s+(?:the\s+)?",
    re.IGNORECASE,
)
_FUNDED_BY = re.compile(
    r",?\s+(?:(?:co-?)?(?:funded|financed|sponsored)\s+by|with\s+(?:the\s+)?(?:financial\s+)?support\s+(?:of|from))"
    r"\s+(?:the\s+)?",
    re.IGNORECASE,
)
_INCLUDING = re.compile(r",?\s+(?:including|such\s+as|namely)\s+", re.IGNORECASE)
_LEADING = re.compile(r"^(?:through|via|(?:an?\s+)?initiative\s+of)\s+(?:the\s+)?", re.IGNORECASE)
_FUNDER_MARK = re.compile(r"\s*\((?:co-?)?(?:funding|funder|donor|financing|financial\s+support)\)", re.IGNORECASE)
_IMPLEMENTER_MARK = re.compile(r"\s*\((?:lead|coordinator|implementer|implementing\s+(?:agency|partner))\)",
                               re.IGNORECASE)
_ACTING_THROUGH = re.compile(r".*?\s*\(\s*(?:through|via)\s+(?:the\s+)?([^()]+)\)", re.IGNORECASE)
_GLOSS = re.compile(r"(?<=\S)\s*\((?=[a-z])[^()]*\)$")  # "DIGESTYC (national statistics office)"
_ACRONYM_OF = re.compile(r"^(.*?\([A-Z][\w/&\-]*\))\s+of\s+.+$")
_SHARED_HEAD = re.compile(r"^[A-Z]\w+\s+and\s+[A-Z]\w+\s+\S+")


def split_organisations(lines: list[str], article_runs: bool = True) -> list[tuple[str, str | None]]:
    """(name as written, role hint) for each organisation of a partner/donor list.

    Lists are split at commas, semicolons, " / ", sentence ends and "and" between two
    names; "X in collaboration with Y" gives X the hint ROLE_IMPLEMENTER; "(funding)",
    "funded by Y", "with support of Y" give ROLE_FUNDER; an umbrella ("National Partners
    (A, B)", "Partners including A and B") gives way to its members; collectives and
    descriptions in lower case are dropped; "(ACRONYM)" stays with its name. With
    `article_runs`, "the Netherlands the UK" is two names (in a list; not in a sentence,
    where "IOM the Netherlands" names one office).
    """
    found: list[tuple[str, str | None]] = []
    for group in list_groups(lines):
        found += _organisation_items(fold(group), None, article_runs)
    seen: dict[str, int] = {}
    kept: list[tuple[str, str | None]] = []
    for name, hint in found:
        key = normalise_key(name)
        if key in seen:
            if hint and not kept[seen[key]][1]:
                kept[seen[key]] = (kept[seen[key]][0], hint)
            continue
        seen[key] = len(kept)
        kept.append((name, hint))
    return kept


def _organisation_items(text: str, hint: str | None, article_runs: bool) -> list[tuple[str, str | None]]:
    items: list[tuple[str, str | None]] = []
    pieces, separators = split_top_level_keeping(text, _ORG_SEPARATOR)
    pieces, separators = _merge_table_names(pieces, separators)
    for item in join_qualified_names(_merge_shared_heads(_merge_name_tails(pieces, separators))):
        item = _LEADING.sub("", strip_item(item))
        parts = split_top_level(item, _COLLABORATION)
        if len(parts) > 1:
            items += _organisation_items(parts[0], ROLE_IMPLEMENTER, article_runs)
            items += _organisation_items(" ".join(parts[1:]), hint, article_runs)
            continue
        parts = split_top_level(item, _FUNDED_BY)
        if len(parts) > 1:
            items += _organisation_items(parts[0], hint, article_runs)
            items += _organisation_items(" ".join(parts[1:]), ROLE_FUNDER, article_runs)
            continue
        parts = split_top_level(item, _INCLUDING)
        if len(parts) > 1:
            items += _organisation_items(" ".join(parts[1:]), hint, article_runs)
            continue
        item_hint = hint
        if _FUNDER_MARK.search(item):
            item, item_hint = _FUNDER_MARK.sub("", item), ROLE_FUNDER
        if _IMPLEMENTER_MARK.search(item):
            item, item_hint = _IMPLEMENTER_MARK.sub("", item), ROLE_IMPLEMENTER
        acting = _ACTING_THROUGH.fullmatch(item)
        if acting:  # "the Federal Government (through SEDESOL - The Social Development Secretariat)"
            item = acting.group(1)
        members = _umbrella_members(item)
        if members is not None:
            items += _organisation_items(members, item_hint, article_runs)
            continue
        for name in [item] if item in organisation_names() else _split_and(item, article_runs):
            name = _GLOSS.sub("", _ACRONYM_OF.sub(r"\1", strip_item(name)))
            if _is_organisation_item(name):
                items.append((name, item_hint))
    return items


_TABLE_NAME_PIECES = 4  # commas in an organisation's name, at most, plus one


def _merge_table_names(pieces: list[str], separators: list[str]) -> tuple[list[str], list[str]]:
    """Pieces of a list that the alias table knows as one name joined again ("United
    Nations Educational", "Scientific and Cultural Organization")."""
    names = organisation_names()
    merged, kept = [pieces[0]], []
    index = 1
    while index <= len(separators):
        for end in range(min(len(pieces), index + _TABLE_NAME_PIECES - 1), index, -1):
            commas = separators[index - 1: end - 1]
            if not names.opens_name_with_comma(merged[-1]) or not all("," in sep for sep in commas):
                continue
            joined = merged[-1] + "".join(sep + piece for sep, piece in zip(commas, pieces[index:end]))
            if joined in names:
                merged[-1], index = joined, end
                break
        else:
            kept.append(separators[index - 1])
            merged.append(pieces[index])
            index += 1
    return merged, kept


def _merge_name_tails(pieces: list[str], separators: list[str]) -> list[str]:
    """Commas inside one name joined again: "Ministry of Science", "Industry and Technology"
    (the tail names no organisation of its own) and "Centre de recherche médecine",
    "sciences", "santé et société (CERMES)" (lower-case pieces closed by an acronym)."""
    merged = [pieces[0]]
    pending: list[str] = []
    for separator, piece in zip(separators, pieces[1:]):
        text = re.sub(r"^(?:and|or|&)\s+", "", piece.strip())
        words = re.sub(r"\([^()]*\)", " ", text).split()
        tail = bool(words) and "," in separator and re.search(r"\bof\s+[^;()]+$", merged[-1].strip()) is not None \
            and re.fullmatch(r"[A-Z]\w*(?:,?\s+(?:and|&)\s+[A-Z]\w*(?:\s+[A-Z]\w*)?)?(?:\s*\([A-Z][\w/&\-]*\))?",
                             text) is not None \
            and not any(w.lower() in ORGANISATION_HEADS or is_acronym(w) or is_country(w) for w in words)
        lower = text[:1].islower() and not _starts_with_article(text) and "," in separator
        if lower and not re.search(r"\([A-Z][\w/&\-]*\)$", text):
            pending.append(separator + piece)
            continue
        if tail or lower:
            merged[-1] += "".join(pending) + separator + piece
        else:
            merged += [p.lstrip(",; ") for p in pending] + [piece]
        pending = []
    return merged + [p.lstrip(",; ") for p in pending]


#: Heads of the national bodies a country qualifies ("Federal Office for Migration, Switzerland").
_NATIONAL_HEAD = re.compile(r"\b(?:Department|Ministry|Agency|Office|Bureau|Directorate|Service|Fund|Secretariat)\b")
#: Units of a ministry or department ("US Department of State, Bureau of Population, ...").
_UNIT_OF_DEPARTMENT = re.compile(r"^(?:the\s+)?(?:Bureau|Division|Directorate|Office|Unit|Section)\s+(?:of|for|on)\b")


def join_qualified_names(names: list[str]) -> list[str]:
    """Names of one organisation that a list writes as two: the country before or after a
    national body ("United Kingdom, Department for International Development (DFID)",
    "Ministry of Foreign Affairs, Norway") and a department before its unit ("US Department
    of State, Bureau of Population, Refugees and Migration (PRM)"). A body that names its
    organisation by acronym ("IOM Development Fund") is no national body, and an organisation
    of the alias table is no department's unit."""
    def national(name: str) -> bool:
        first = name.split()[0] if name.split() else ""
        return bool(_NATIONAL_HEAD.search(name)) and not (is_acronym(first) and not is_country(first))

    joined: list[str] = []
    for name in (n.strip() for n in names):
        previous = joined[-1] if joined else ""
        qualifies = national(previous) and (is_country(name) and not find_countries(previous)
                                            or name.startswith("Government of"))
        unit = re.search(r"\b(?:Department|Ministry)\b", previous) and _UNIT_OF_DEPARTMENT.match(name) \
            and name not in organisation_names()
        if previous and (is_country(previous) and national(name) or qualifies or unit):
            joined[-1] = f"{previous}, {name}"
        else:
            joined.append(name)
    return joined


#: Heads of bodies that every country has, whose name needs the country to be one body.
_NEEDS_COUNTRY = re.compile(r"\b(?:Government|Ministry|Department|Agency|Office|Bureau|Directorate|Service|"
                            r"Secretariat|Commission|Ombudsman|Council|Institute|Authority|Committee|Inspectorate)\b")


def qualify_by_place(name: str, sentences: list[str], index: int, countries: set[str]) -> str:
    """ "Ministry of Labor (Ecuador)" for a national body named in sentence `index` of a text
    about several `countries` (alpha-2 codes), when that sentence, or else the nearest one
    before it that names some of them, names exactly one ("The case of Ecuador is ... . ...
    the Ministry of Labor (MRL)"). A name that says its country itself, or names no national
    body, stays as it is."""
    if not _NEEDS_COUNTRY.search(name) or find_countries(name, demonyms=True) or is_acronym(name.split()[0]):
        return name
    resolver = country_resolver()
    for sentence in reversed(sentences[max(0, index - 2): index + 1]):
        named = {country for country, _, _ in resolver.find(sentence.replace(name, " "), demonyms=True)
                 if country.code in countries}
        if named:
            return f"{name} ({named.pop().label})" if len(named) == 1 else name
    return name


def _merge_shared_heads(items: list[str]) -> list[str]:
    """ "Federal", "State and Municipal Governments" -> one item: the adjectives share a head."""
    merged: list[str] = []
    start = 0
    while start < len(items):
        end = start
        while end < len(items) and re.fullmatch(r"[A-Z][a-z]+", items[end].strip()):
            end += 1
        if end > start and end < len(items) and _SHARED_HEAD.match(items[end].strip()):
            merged.append(", ".join(item.strip() for item in items[start: end + 1]))
            start = end + 1
        else:
            merged.append(items[start])
            start += 1
    return merged


def _umbrella_members(item: str) -> str | None:
    """The members of "National Partners (A, B, C)": a plural name before a bracketed list."""
    match = re.fullmatch(r"(?P<outer>[^()]+?)\s*\((?P<inner>.+)\)", item)
    if not match or len(split_top_level(match.group("inner"), re.compile(","))) < 2:
        return None
    last = match.group("outer").split()[-1].lower()
    return match.group("inner") if last.endswith("s") and not last.endswith("ss") else None


def _organisation_like(text: str) -> bool:
    words = text.split()
    return bool(words) and (
        any(is_acronym(w.strip("()")) for w in words)
        or any(w.lower().strip("(),") in ORGANISATION_HEADS for w in words)
        or _starts_with_article(text)
        or is_country(text)
    )


def _starts_with_article(text: str) -> bool:
    return bool(re.match(r"^(?:the|la|le|el|les|los|las|l['’])\s*[A-Z]", text))


def _split_and(item: str, article_runs: bool) -> list[str]:
    """ "the UK and IOM" -> two names; "Ministry of Labour and Social Security" stays one:
    "and" separates names only between two that stand alone, or before a lower-case tail."""
    parts, separators = split_top_level_keeping(item, _ORG_AND)
    names = [parts[0]]
    for separator, part in zip(separators, parts[1:]):
        right = part.strip()
        first = right.split()[0] if right else ""
        starts_name = is_acronym(first.strip("(),")) or first.lower() in ORGANISATION_HEADS \
            or _starts_with_article(right)
        lower_tail = right[:1].islower() and not _starts_with_article(right) \
            and not re.search(r"\([A-Z][\w/&\-]*\)$", right)
        if not names[-1].endswith("-") and (lower_tail or starts_name and _organisation_like(names[-1])):
            names.append(right)
        else:
            names[-1] = f"{names[-1]}{separator}{right}"
    return [piece for name in names for piece in (_split_article_run(name) if article_runs else [name])]


def _split_article_run(name: str) -> list[str]:
    """ "the Netherlands the UK" -> two names (a capitalised word, then "the" and a capital)."""
    pieces = re.split(r"(?<=[A-Za-z)])\s+(?=the\s+[A-Z])", name)
    merged = [pieces[0]]
    for piece in pieces[1:]:
        previous = merged[-1].split()[-1]
        if previous[0].isupper() and previous.lower() not in NAME_CONNECTORS:
            merged.append(piece)
        else:
            merged[-1] = f"{merged[-1]} {piece}"
    return merged


def _is_organisation_item(name: str) -> bool:
    """False for empty strings, lower-case descriptions and collectives ("UN agencies")."""
    if len(name) < 2 or not starts_proper(name) or name.lower().startswith("etc"):
        return False
    words = re.sub(r"\([^()]*\)", " ", name).split()
    if not words:
        return True
    leading_acronym = is_acronym(words[0]) and len(words[0]) >= 3
    object_of = " of " in name or " for " in name  # "Secretary of State for Communities": what it serves
    if words[-1].lower() in _COLLECTIVES and not leading_acronym and (not object_of or words[0].lower() in _COLLECTIVES):
        return False
    has_head = any(w.lower() in ORGANISATION_HEADS for w in words if w[:1].isupper())
    return not (any(w in _COLLECTIVES for w in words) and not has_head and not leading_acronym)


# --- names in running text ---------------------------------------------------------------------

#: Words that begin a new organisation name in a list ("..., Department for ...").
_ORG_START = re.compile(
    r"^(?:the|The|Government|Ministry|Department|Agency|Office|Bureau|Federal|European|United|"
    r"UN|World|International|National|Swiss|Directorate|Council|Commission|Embassy|"
    r"Organi[sz]ation|Fund|Bank|Secretariat|Centre|Center|Institute|Foundation|Association|"
    r"Union|State)$"
)
_ROLE_MARKER = re.compile(r"^\((?:co-?\s?funder|co-?\s?financ\w*|lead|donor|funder|partner)s?\)$",
                          re.IGNORECASE)


def is_role_marker(text: str) -> bool:
    """"(co-funder)", "(lead)": a role written after a name, not part of it."""
    return bool(_ROLE_MARKER.match(text.strip()))


def capitalised(token: str) -> bool:
    return token[:1].isupper()


def acronym_group(token: str) -> bool:
    inner = token[1:-1].split()
    return bool(inner) and is_acronym(inner[0]) and not _ROLE_MARKER.match(token)


def _two_countries(text: str, start: int, end: int, following: int) -> bool:
    """ "Guatemala and Honduras": a country, "and", another country (not "Bosnia and Herzegovina")."""
    return is_country(text[start:end]) and any(offset == 0 for _, offset in find_countries(text[following:following + 60]))


def _has_own_head(tokens: list[re.Match[str]], anywhere: bool = False) -> bool:
    """Whether the capitalised words that follow an "and" (`anywhere`: the words before it)
    hold a head of their own: "Ministry of Interior and Alien Department" names two bodies,
    "Ministry of Labour and Social Affairs" and "Stability and Security Fund" one."""
    for token in tokens:
        word = token.group()
        if word.lower() in ORGANISATION_HEADS:
            return True
        if not anywhere and not capitalised(word):
            return False
    return False


def name_at(text: str, start: int = 0) -> tuple[str, int, int]:
    """The capitalised name that begins at `start` (after an optional "the"), e.g. "Ministry
    of Labour, Health and Social Affairs (MoLHSA)": (name, name_start, name_end), or
    ("", start, start) when no name begins there. An acronym in brackets closes the name."""
    toks = list(NAME_TOKEN.finditer(text, start))
    i = 1 if toks and toks[0].group().lower() == "the" else 0
    if i >= len(toks) or not capitalised(toks[i].group()) or toks[i].group().startswith("("):
        return "", start, start
    first = i
    end = toks[i].end()
    i += 1
    while i < len(toks):
        word = toks[i].group()
        nxt = toks[i + 1].group() if i + 1 < len(toks) else ""
        if word.startswith("("):
            if acronym_group(word):
                end = toks[i].end()
                place = find_countries(text[end:end + 60])
                if place and re.match(r"\s+(?:in|of)\s+(?:the\s+)?$", text[end:end + place[0][1]]):
                    end += place[0][1] + len(place[0][0])  # "(MTI) in Kosovo*", "(DGME) of El Salvador"
            break
        if word == ",":
            if capitalised(nxt) and not (_ORG_START.match(nxt) or is_acronym(nxt) or is_country(nxt)):
                i += 1
                continue
            break
        if word.lower() in NAME_CONNECTORS:
            j = i + 1
            while j < len(toks) and toks[j].group().lower() in NAME_CONNECTORS:
                j += 1
            following = toks[j].group() if j < len(toks) else ""
            if not capitalised(following) or following.startswith("("):
                break
            if word.lower() == "and" and (nxt.lower() == "the" or is_acronym(nxt) or _ORG_START.match(nxt)
                                          or _has_own_head(toks[j:]) and _has_own_head(toks[first:i], True)
                                          or _two_countries(text, toks[first].start(), end, toks[j].start())):
                break
            if word.lower() == "in" and find_countries(nxt):
                break  # "ILO in Ukraine": a place, not part of the name
            i = j
            continue
        if capitalised(word):
            end = toks[i].end()
            i += 1
            continue
        break
    name_start = toks[first].start()
    return fold(text[name_start:end]), name_start, end


_LIST_SEPARATOR = re.compile(
    r"\s*(?:[,;]\s*(?:and\b|as well as\b|or\b)?|–|—|&|\band\b|\bas well as\b|\bor\b)\s*", re.IGNORECASE)
_LEAD_ARTICLE = re.compile(r"\s*(?:the|its|their|his|her)\s+", re.IGNORECASE)
_GENERIC_WORD = re.compile(r"\s*([a-z][\w-]*)\s*")
_ROLE_AFTER = re.compile(r"\s*(\([^()]*\))")
#: ", acting as a Secretariat to the ... (SCMI)," between two names of a list.
_APPOSITIVE = re.compile(r",\s+(?:acting|which|who|based|responsible|located|known|also)\b[^,;.]*,")


def organisation_list(text: str, leading_generic_words: int = 10) -> list[tuple[str, int]]:
    """Names of the list that starts `text` ("UNDP, the Ministry of Diaspora (MOD) and the
    Ministry of Trade and Industry of Kosovo*, is ...") with their offsets; the list ends at
    the first lowercase phrase after a name. Lowercase words before the first name
    ("governments and international organizations – UNHCR, ...") are passed over."""
    names: list[tuple[str, int]] = []
    position = 0
    skipped = 0
    while position < len(text):
        article = _LEAD_ARTICLE.match(text, position)
        if article:
            position = article.end()
        name, name_start, end = name_at(text, position)
        if name and " " not in name and not is_acronym(name) and re.match(r"\s+[a-z]", text[end:]) \
                and not re.match(r"\s+(?:and|or|with|in|on|of|for|to|at|by|from|as)\b", text[end:]):
            break  # "the Turkish stakeholders": an adjective, not a name
        if name:
            names.append((name, name_start))
            position = end
            marker = _ROLE_AFTER.match(text, position)
            if marker and is_role_marker(marker.group(1)):
                position = marker.end()
            aside = _APPOSITIVE.match(text, position)
            if aside:
                position = aside.end() - 1  # keep the comma as the separator
        else:
            generic = _GENERIC_WORD.match(text, position)
            place_follows = generic.group(1) in NAME_CONNECTORS and capitalised(text[generic.end():][:1]) \
                if generic else False
            if names or not generic or skipped >= leading_generic_words or place_follows:
                break  # "two employment centres in Bishkek": a place, not a list of names
            skipped += 1
            position = generic.end()
        separator = _LIST_SEPARATOR.match(text, position)
        if separator:
            position = separator.end()
        elif names:
            break
    return names


_GENERIC_NAME = re.compile(
    r"^(?:the\s+)?(?:[A-Z]\w+\s+)?(?:Governments|Ministry|Ministries|State|States)$|"
    r"\b(?:Partners|Members|Stakeholders|Organi[sz]ations|Agencies|Institutions|Authorities|Actors)$"
)
#: "the Ukrainian Government", "the Kyrgyz Government": one country's government.
_NATIONAL_GOVERNMENT = re.compile(r"^[A-Z][\w-]*(?:an|ese|i|sh|ch|ic|z)\s+Government$")


def is_generic_name(name: str) -> bool:
    """ "Ministry", "Governments", "Social Enterprise Implementing Partners": no particular
    organisation. "The Government" is one: the resolver tells whose from the programme."""
    if len(name) < 2:
        return True
    if re.search(r"\bGovernments? of\b", name) or _NATIONAL_GOVERNMENT.match(name) or is_country(name):
        return False  # "United States" is no generic "States"
    return bool(_GENERIC_NAME.search(name))
