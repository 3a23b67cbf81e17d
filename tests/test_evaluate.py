"""Scoring against reference facts: matching by title or evidence, organisations by name or alias."""

import json

import pytest

from mdgraph.errors import InputError
from mdgraph.evaluate import GraphProgramme, load_gold, programmes_from_rows, score

GOLD = {
    "organisations": [
        {"name": "International Organization for Migration", "aliases": ["IOM"]},
        {"name": "Government of the Republic of Moldova", "aliases": ["MD Government"]},
    ],
    "programmes": [
        {"title": "Diaspora Bureau", "source": "a.txt", "kind": "annex-entry", "countries": ["MD"],
         "implementers": [], "funders": ["Government of the Republic of Moldova"],
         "partners": ["International Organization for Migration"], "sectors": ["diaspora"],
         "start": "2014-02", "end": None, "evidence": []},
        {"title": "", "source": "a.txt", "kind": "annex-entry", "countries": ["ER"], "implementers": [],
         "funders": [], "partners": [], "sectors": ["education"], "start": None, "end": None,
         "evidence": ["The Eritrean Government has encouraged schools"]},
        {"title": "Never extracted", "source": "a.txt", "kind": "block", "countries": ["AL"],
         "implementers": [], "funders": [], "partners": [], "sectors": [], "start": "2015", "end": "2016",
         "evidence": []},
    ],
}


def _programme(iri, **fields):
    programme = GraphProgramme(iri, documents={"a.txt"})
    for name, value in fields.items():
        setattr(programme, name, value)
    return programme


def test_scores_match_titles_evidence_and_organisation_aliases():
    predicted = [
        _programme("p1", titles={"Diaspora bureau"}, countries={"MD"}, sectors={"diaspora", "health"},
                   starts={"2014-02"},
                   roles={"funder": {"o1": {"Government of Moldova", "Government of the Republic of Moldova"}},
                          "partner": {"o2": {"International Organisation for Migration", "IOM"}}}),
        _programme("p2", titles={"Untitled practice: The Eritrean Government"}, countries={"ER"},
                   quotes={"Summary: The Eritrean Government has encouraged schools in the Sudan"},
                   sectors={"education"}),
        _programme("p3", titles={"Something else entirely"}),
    ]
    scores = score(GOLD, predicted)
    assert scores.found_by_kind == {"annex-entry": (2, 2), "block": (0, 1)}
    assert scores.extra_programmes == 1
    assert scores.missed == ["a.txt: Never extracted"]
    countries = scores.fields["countries"]
    assert (countries.true_positives, countries.predicted, countries.expected) == (2, 2, 3)
    sectors = scores.fields["sectors"]
    assert (sectors.true_positives, sectors.predicted, sectors.expected) == (2, 3, 2)
    assert scores.fields["funders"].f1 == 1.0
    assert scores.fields["partners"].f1 == 1.0
    dates = scores.fields["dates"]
    assert (dates.true_positives, dates.predicted, dates.expected) == (1, 1, 3)


def test_rows_become_programmes():
    rows = [
        {"programme": "p", "field": "title", "value": "T"},
        {"programme": "p", "field": "document", "value": "a.txt"},
        {"programme": "p", "field": "funder", "value": "o\x1fIOM"},
        {"programme": "p", "field": "funder", "value": "o\x1fInternational Organization for Migration"},
    ]
    [programme] = programmes_from_rows(rows)
    assert programme.titles == {"T"} and programme.documents == {"a.txt"}
    assert programme.roles == {"funder": {"o": {"IOM", "International Organization for Migration"}}}


@pytest.mark.parametrize("content, message", [
    ("{not json", "not JSON"),
    (json.dumps({"about": "x"}), "no 'programmes' list"),
])
def test_bad_reference_files_are_named(tmp_path, content, message):
    path = tmp_path / "gold.json"
    path.write_text(content)
    with pytest.raises(InputError, match=message):
        score(load_gold(path), [])
