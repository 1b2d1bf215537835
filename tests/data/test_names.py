"""data.names: players and teams found as people type them (accents, case, suffixes, a first or
last name alone, cities and nicknames), and suggestions with the name meant first."""

from __future__ import annotations

import pytest

from nba_ml.data.names import (
    CUTOFF,
    TEAM_NAMES,
    PlayerNames,
    close_teams,
    closeness,
    find_teams,
    fold,
    without_suffix,
)
from nba_ml.data.schema import TEAMS

# Real names of the 2017-21 logs, the most recently active last (as the predictor builds it).
PLAYERS = [
    (201, "Nikola Mirotic"),
    (202, "Luka Samanic"),
    (203, "Seth Curry"),
    (204, "Jimmy Butler III"),
    (205, "Nikola Vučević"),
    (206, "Karl-Anthony Towns"),
    (207, "P.J. Tucker"),
    (208, "D'Angelo Russell"),
    (209, "Kristaps Porziņģis"),
    (210, "Dennis Schröder"),
    (211, "Jusuf Nurkić"),
    (212, "Giannis Antetokounmpo"),
    (213, "Stephen Curry"),
    (214, "Luka Dončić"),
    (215, "LeBron James"),
    (216, "Nikola Jokić"),
    (217, "Marcus Morris Sr."),
    (218, "Joel Embiid"),
]


@pytest.fixture
def names() -> PlayerNames:
    return PlayerNames(PLAYERS)


def test_fold_drops_accents_case_and_punctuation() -> None:
    assert fold("Nikola Jokić") == fold("NIKOLA JOKIC") == "nikola jokic"
    assert fold("Kristaps Porziņģis") == "kristaps porzingis"
    assert fold("D'Angelo Russell") == fold("DAngelo Russell") == "dangelo russell"
    assert fold("P.J. Tucker") == fold("pj  tucker") == "pj tucker"
    assert fold("Karl-Anthony Towns") == "karl anthony towns"
    assert fold("Ømer Łukasz") == "omer lukasz"
    assert without_suffix("jimmy butler iii") == "jimmy butler"
    assert without_suffix("marcus morris sr") == "marcus morris"
    assert without_suffix("jr") == "jr"


@pytest.mark.parametrize(
    ("typed", "player_id"),
    [
        ("Nikola Jokic", 216),
        ("nikola jokić", 216),
        ("Jokic", 216),
        ("JOKIC", 216),
        ("Luka Doncic", 214),
        ("doncic", 214),
        ("Porzingis", 209),
        ("Kristaps Porzingis", 209),
        ("Nurkic", 211),
        ("Schroder", 210),
        ("Dennis Schroder", 210),
        ("Jimmy Butler", 204),
        ("Jimmy Butler III", 204),
        ("jimmy butler iii", 204),
        ("Marcus Morris", 217),
        ("Marcus Morris Sr", 217),
        ("Marcus Morris Jr.", 217),
        ("lebron", 215),
        ("Giannis", 212),
        ("Antetokounmpo", 212),
        ("Embiid", 218),
        ("Karl Anthony Towns", 206),
        ("karl-anthony towns", 206),
        ("Towns", 206),
        ("PJ Tucker", 207),
        ("p.j. tucker", 207),
        ("Dangelo Russell", 208),
    ],
)
def test_names_as_people_type_them_are_found(
    names: PlayerNames, typed: str, player_id: int
) -> None:
    assert names.candidates(typed) == [player_id]


def test_a_shared_first_or_last_name_gives_every_player_most_recent_first(
    names: PlayerNames,
) -> None:
    assert names.candidates("Nikola") == [216, 205, 201]
    assert names.candidates("curry") == [213, 203]
    assert names.candidates("Luka") == [214, 202]


def test_nothing_matches_unknown_or_hostile_text(names: PlayerNames) -> None:
    for text in ("Lebron Jams", "", "   ", "Jokic\x1b[2J", "Jo\x00kic", "iii"):
        assert names.candidates(text) == [], text
    numbered = PlayerNames([(1, "Player BOS 2"), (2, "Player LAL 2")])
    assert numbered.candidates("²") == []  # Python's digit, not the 2 of a name


def test_a_name_spelt_twice_is_the_most_recent_player(names: PlayerNames) -> None:
    twice = PlayerNames([*PLAYERS, (300, "Seth Curry")])
    assert twice.candidates("Seth Curry") == [300]
    assert twice.candidates("seth curry") == [300]


def test_suggestions_put_the_name_meant_first(names: PlayerNames) -> None:
    assert names.suggest("Lebron Jams") == ["LeBron James"]
    assert names.suggest("Steph Curry")[0] == "Stephen Curry"
    assert names.suggest("Embid")[0] == "Joel Embiid"
    assert names.suggest("giann")[0] == "Giannis Antetokounmpo"  # typed so far
    assert names.suggest("Jokc")[0] == "Nikola Jokić"
    assert names.suggest("Dennis Schroeder")[0] == "Dennis Schröder"
    assert len(names.suggest("Nikola Jokicc")) <= 3
    assert names.suggest("zzzzzz") == [] and names.suggest("\x00") == []


@pytest.mark.parametrize(
    ("typed", "team"),
    [
        ("Celtics", "BOS"),
        ("boston", "BOS"),
        ("Boston Celtics", "BOS"),
        ("Sixers", "PHI"),
        ("76ers", "PHI"),
        ("Philadelphia 76ers", "PHI"),
        ("lakers", "LAL"),
        ("Los Angeles Lakers", "LAL"),
        ("LA Clippers", "LAC"),
        ("Golden State", "GSW"),
        ("warriors", "GSW"),
        ("Trail Blazers", "POR"),
        ("Blazers", "POR"),
        ("T-Wolves", "MIN"),
        ("New York", "NYK"),
        ("Brooklyn", "BKN"),
        ("Oklahoma City Thunder", "OKC"),
        ("BRK", "BKN"),
        (" bos ", "BOS"),
        ("Cavs", "CLE"),
    ],
)
def test_teams_by_code_city_nickname_or_full_name(typed: str, team: str) -> None:
    assert find_teams(typed) == [team]


def test_every_team_has_a_city_and_a_nickname_that_find_it() -> None:
    assert set(TEAM_NAMES) == TEAMS
    for code, (city, nickname, *_others) in TEAM_NAMES.items():
        assert find_teams(nickname) == [code]
        assert find_teams(f"{city} {nickname}") == [code]


def test_los_angeles_names_two_teams_and_nonsense_none() -> None:
    assert find_teams("Los Angeles") == find_teams("LA") == ["LAC", "LAL"]
    for text in ("", "Celtics\x1b", "Gotham", "B\x00S"):
        assert find_teams(text) == []


def test_close_teams_rank_the_team_meant_first() -> None:
    assert close_teams("Celtcs")[0] == "BOS"
    assert close_teams("Bostn")[0] == "BOS"
    assert close_teams("Sixrs")[0] == "PHI"
    assert close_teams("boz")[0] == "BOS"
    assert close_teams("Phila")[0] == "PHI"
    assert "GSW" in close_teams("GWS")
    assert close_teams("Gotham City Rogues") == [] and close_teams("") == []
    assert all(len(close_teams(t)) <= 3 for t in ("Celtcs", "boz", "xyz"))


def test_closeness_compares_whole_names_and_one_typed_word_with_first_or_last_names() -> None:
    assert closeness("lebron jams", "lebron james") > 0.9
    assert closeness("jokc", "nikola jokic") > CUTOFF  # one word: against the last name
    assert closeness("gian", "giannis antetokounmpo") == 0.95  # the beginning of a name
    assert closeness("lebron jams", "brandon sampson") < closeness("lebron jams", "lebron james")
    assert closeness("zzzz", "nikola jokic", floor=CUTOFF) == 0.0
    assert closeness("", "nikola jokic") == closeness("jokic", "") == 0.0
