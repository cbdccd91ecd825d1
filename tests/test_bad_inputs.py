"""A corpus of bad inputs: every kind of file (village scenario, classic game, experiment), every
table, ``--set`` overrides and the other flags. Each case is a valid input with ONE change, and
each must give exit code 2, exactly one line on stderr naming the file (or ``override``, or the
flag) and the full key path, no traceback, and nothing written.

The cases from the schemas are generated (every declared key: a value below its range, above it,
of the wrong type); the others are written out. The command line runs in-process
(``sim.cli.main``) for speed; a few cases go through a subprocess as a user would run them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sim.classic.scenario import PARAMETERS as CLASSIC_PARAMETERS
from sim.cli import main
from sim.scenario import PARAMETERS

SCENARIO = 'name = "bad"\ndescription = "a valid scenario but for one change"\n'
CLASSIC = 'model = "spatial_game"\nname = "bad"\nextends = "classic/nowak_may"\n'
SCHEDULED = {"kind": "drought", "step": 3, "duration": 1, "intensity": 0.5, "district": 0}
CONCRETE = {"forms.*": "forms.formal", "services.*": "services.fire", "shocks.scheduled.*": "shocks.scheduled.0"}


def _toml(value) -> str:
    """A value as TOML writes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, list)):
        return json.dumps(value)
    return repr(value)


def _cli_value(value) -> str:
    """A value as ``--set KEY=VALUE`` writes it (bare words are strings)."""
    return value if isinstance(value, str) else _toml(value)


def _bad_values(p) -> list:
    """Values the declaration ``p`` refuses: below its range, above it, of another type."""
    if p.kind in (int, float):
        out = ["many", True]
        if p.lo is not None:
            out.append(p.lo - 1)
        if p.hi is not None:
            out.append(p.hi * 10 + 1)
        if p.kind is int:
            out.append(1.5)
        return out
    if p.kind is bool:
        return ["yes", 1]
    if p.kind is list:
        return ["agriculture", [1]] + ([["nonsense"]] if p.item_choices else [])
    return [3] + (["nonsense"] if p.choices else [])


def _concrete(path: str) -> str:
    """A declared path with its ``*`` made an entry of the default scenario."""
    if path == "policy.mandate.*":
        return "policy.mandate.services"
    for star, entry in CONCRETE.items():
        if path.startswith(star + "."):
            return entry + path[len(star) :]
    return path


def _file_with(key: str, value) -> str:
    """The text of a valid scenario file in which ``key`` is set to ``value`` (its one change)."""
    parts = key.split(".")
    if key.startswith("shocks.scheduled.0."):
        entry = {**SCHEDULED, parts[-1]: value}
        return SCENARIO + "[[shocks.scheduled]]\n" + "".join(f"{k} = {_toml(v)}\n" for k, v in entry.items())
    if len(parts) == 1:
        kept = "".join(line + "\n" for line in SCENARIO.splitlines() if not line.startswith(f"{key} ="))
        return kept + f"{key} = {_toml(value)}\n"
    return SCENARIO + f"[{'.'.join(parts[:-1])}]\n{parts[-1]} = {_toml(value)}\n"


def _classic_with(key: str, value) -> str:
    parts = key.split(".")
    if len(parts) == 1:
        kept = "".join(line + "\n" for line in CLASSIC.splitlines() if not line.startswith(f"{key} ="))
        return kept + f"{key} = {_toml(value)}\n"
    return CLASSIC + f"[{parts[0]}]\n{parts[1]} = {_toml(value)}\n"


GENERATED = [
    (_concrete(path), value) for path, p in PARAMETERS.items() for value in _bad_values(p) if path != "extends"
]
GENERATED_CLASSIC = [
    (path, value)
    for path, p in CLASSIC_PARAMETERS.items()
    for value in _bad_values(p)
    if path not in ("extends", "model", "name", "description")
]


def _run_cli(args: list[str], capsys) -> tuple[int, str]:
    """The exit code and stderr of ``kerjasama ARGS`` run in this process."""
    try:
        code = main(args)
    except SystemExit as exc:  # argparse's errors
        code = exc.code
    return code, capsys.readouterr().err


def _assert_one_line(code: int, err: str, *names: str) -> None:
    assert code == 2, err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    for name in names:
        assert name in lines[0], f"{name!r} not in {lines[0]!r}"


def _assert_nothing_written(tmp_path: Path, inputs: set[str]) -> None:
    assert not (tmp_path / "out").exists()
    assert {p.name for p in tmp_path.iterdir()} <= inputs


def _check_file(tmp_path, capsys, text: str, key: str, name: str = "bad.toml") -> None:
    """``check`` and ``run`` of a file with ``text``: one line naming it and ``key``, nothing written."""
    path = tmp_path / name
    path.write_text(text)
    for args in (["check", str(path)], ["run", str(path), "--out", str(tmp_path / "out")]):
        code, err = _run_cli(args, capsys)
        _assert_one_line(code, err, f"{path}: {key}")
    _assert_nothing_written(tmp_path, {name})


# ----------------------------------------------------------------------------- village scenario files


@pytest.mark.parametrize(("key", "value"), GENERATED, ids=[f"{k}={v!r}" for k, v in GENERATED])
def test_a_scenario_file_with_one_bad_value(tmp_path, capsys, key, value):
    _check_file(tmp_path, capsys, _file_with(key, value), key)


TABLES = [
    "run", "economy", "landscape", "behaviour", "cooperation", "cooperation.capacity", "cooperation.innovation",
    "cooperation.identity", "forms.formal", "agriculture", "services", "services.fire", "infrastructure", "shocks",
    "shocks.drought", "shocks.fire", "shocks.price", "policy",
]  # fmt: skip


@pytest.mark.parametrize("table", TABLES)
def test_an_unknown_key_in_each_table(tmp_path, capsys, table):
    _check_file(tmp_path, capsys, SCENARIO + f"[{table}]\nno_such_key = 1\n", f"{table}.no_such_key: unknown key")


NO_DISTRICT = _file_with("shocks.scheduled.0.step", 3).replace(
    "district = 0\n", ""
)  # a scheduled shock without one key
DROUGHT = "[shocks.drought]\ndistrict_weight = 0.7\nlocal_weight = 0.6\n"
SCENARIO_CASES = [
    ("top-level unknown", SCENARIO + "no_such_key = 1\n", "no_such_key: unknown key"),
    ("table as a value", SCENARIO + "landscape = 3\n", "landscape: must be a table"),
    ("sub-table as a value", SCENARIO + "[cooperation]\ncapacity = 3\n", "cooperation.capacity: must be a table"),
    ("form as a value", SCENARIO + "[forms]\nformal = 3\n", "forms.formal: must be a table"),
    ("scheduled as a table", SCENARIO + '[shocks.scheduled]\nkind = "fire"\n', "shocks.scheduled: must be a list"),
    ("scheduled unknown key", _file_with("shocks.scheduled.0.when", 3), "shocks.scheduled.0.when: unknown key"),
    ("scheduled missing key", NO_DISTRICT, "shocks.scheduled.0.district: missing"),
    ("scheduled district", _file_with("shocks.scheduled.0.district", 999), "shocks.scheduled.0.district"),
    ("mandate domain", SCENARIO + '[policy.mandate]\nroads = "formal"\n', "policy.mandate.roads: unknown domain"),
    ("mandate form", SCENARIO + '[policy.mandate]\nservices = "guild"\n', "policy.mandate.services: unknown form"),
    ("mandate table", SCENARIO + "[policy]\nmandate = 3\n", "policy.mandate: must be a table"),
    ("allowed form", SCENARIO + '[cooperation]\nforms = ["guild"]\n', "cooperation.forms: unknown form 'guild'"),
    ("duplicate form", SCENARIO + '[cooperation]\nforms = ["formal", "formal"]\n', "cooperation.forms: has dup"),
    ("new form half", SCENARIO + '[forms.guild]\nlabel = "g"\n', "forms.guild."),
    ("based_on", SCENARIO + '[forms.guild]\nbased_on = "club"\n', "forms.guild.based_on: no form named 'club'"),
    ("new service", SCENARIO + '[services.roads]\nbased_on = "lanes"\n', "services.roads.based_on: no service"),
    ("new form key", SCENARIO + '[forms.guild]\nbased_on = "formal"\nrank = 1\n', "forms.guild.rank: unknown key"),
    ("drought shares", SCENARIO + DROUGHT, "shocks.drought.local_weight: district_weight + local_weight"),
    ("districts", SCENARIO + "[landscape]\nn_villages = 2\nreference_villages = 0\n", "landscape.n_districts"),
    ("extends missing", SCENARIO + 'extends = "nowhere"\n', "extends: no scenario named 'nowhere'"),
    ("extends typo", SCENARIO + 'extends = "autarcy"\n', "extends: no scenario named 'autarcy'; did you mean"),
    ("extends number", SCENARIO + "extends = 3\n", "extends: must be a scenario name"),
    ("extends classic", SCENARIO + 'extends = "classic/nowak_may"\n', "extends: 'classic/nowak_may' is a classic"),
    ("extends itself", SCENARIO + 'extends = "{path}"\n', "extends: circular chain"),
    ("malformed TOML", SCENARIO + "[landscape\n", "malformed TOML"),
    ("duplicate key", SCENARIO + 'name = "again"\n', "malformed TOML"),
    ("model", SCENARIO + 'model = "agents"\n', "model: 'agents' is not allowed"),
    ("typo in a key", SCENARIO + "[behaviour]\ntemprature = 0.1\n", "behaviour.temprature: unknown key; allowed:"),
]


@pytest.mark.parametrize(("text", "fragment"), [c[1:] for c in SCENARIO_CASES], ids=[c[0] for c in SCENARIO_CASES])
def test_a_scenario_file_with_one_bad_change(tmp_path, capsys, text, fragment):
    _check_file(tmp_path, capsys, text.replace("{path}", str(tmp_path / "bad.toml")), fragment)


def test_a_file_that_is_not_utf8(tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_bytes(SCENARIO.encode() + b'currency = "\xff"\n')
    code, err = _run_cli(["check", str(path)], capsys)
    _assert_one_line(code, err, str(path))


# ----------------------------------------------------------------------------- overrides


@pytest.mark.parametrize(("key", "value"), GENERATED, ids=[f"{k}={v!r}" for k, v in GENERATED])
def test_one_bad_override(tmp_path, capsys, key, value):
    code, err = _run_cli(
        ["run", "default", "--set", f"{key}={_cli_value(value)}", "--out", str(tmp_path / "out")], capsys
    )
    _assert_one_line(code, err, f"override: {key}")
    _assert_nothing_written(tmp_path, set())


OVERRIDE_CASES = [
    (["forms.formal.setup_cots=3"], "override: forms.formal.setup_cots: unknown key 'setup_cots'; allowed: label,"),
    (["nonsense.key=1"], "override: nonsense.key: unknown key 'nonsense'"),
    (["forms.formal=1"], "override: forms.formal: is a table"),
    (["shocks.scheduled.5.step=3"], "override: shocks.scheduled.5.step: index '5' out of range"),
    (["shocks.scheduled.x=3"], "override: shocks.scheduled.x: index 'x' out of range"),
    (["novalue"], "--set: expected KEY=VALUE"),
    (["=3"], "--set: expected KEY=VALUE"),
    (["extends=autarky"], "override: extends: a file's own choice"),
    (["model=spatial_game"], "override: model: a file's own choice"),
    (["economy.poverty_line=0", "forms.formal.setup_cost=3"], "override: economy.poverty_line: 0 is out of range"),
    (["forms.formal.setup_cost=3", "economy.poverty_line=0"], "override: economy.poverty_line: 0 is out of range"),
    (["economy.poverty_line=abc", "forms.formal.setup_cost=3"], "override: economy.poverty_line: must be a number"),
    (["forms.formal.setup_cost=3", "economy.poverty_line=-2"], "override: economy.poverty_line: -2 is out of range"),
    (["economy.poverty_line=true", "services.fire.fixed_cost=2"], "override: economy.poverty_line: must be a number"),
    (
        ["shocks.drought.district_weight=0.7", "shocks.drought.local_weight=0.6"],
        "override: shocks.drought.local_weight: district_weight + local_weight must be <= 1",
    ),
    (['cooperation.forms=["guild"]'], "cooperation.forms: unknown form 'guild'"),
]


@pytest.mark.parametrize(("sets", "fragment"), OVERRIDE_CASES, ids=["+".join(c[0]) for c in OVERRIDE_CASES])
def test_bad_override_combinations(tmp_path, capsys, sets, fragment):
    args = ["run", "default", *(arg for item in sets for arg in ("--set", item)), "--out", str(tmp_path / "out")]
    code, err = _run_cli(args, capsys)
    _assert_one_line(code, err, fragment)
    _assert_nothing_written(tmp_path, set())


# ----------------------------------------------------------------------------- classic game files


@pytest.mark.parametrize(("key", "value"), GENERATED_CLASSIC, ids=[f"{k}={v!r}" for k, v in GENERATED_CLASSIC])
def test_a_classic_game_file_with_one_bad_value(tmp_path, capsys, key, value):
    _check_file(tmp_path, capsys, _classic_with(key, value), key)


CLASSIC_CASES = [
    ("unknown key", CLASSIC + "rounds = 3\n", "rounds: unknown key"),
    ("unknown table key", CLASSIC + "[game]\nbb = 3\n", "game.bb: unknown key; allowed: "),
    ("table as value", CLASSIC + "game = 3\n", "game: must be a table"),
    ("extends village", CLASSIC.replace("classic/nowak_may", "autarky"), "extends: 'autarky' is a village scenario"),
    ("extends missing", CLASSIC.replace("classic/nowak_may", "classic/nowhere"), "extends: no scenario named"),
    ("update for game", CLASSIC + 'update = "death_birth"\n', "update"),
    ("neighbourhood for game", CLASSIC + '[lattice]\nneighbourhood = "ring"\n', "lattice.neighbourhood"),
]


@pytest.mark.parametrize(("text", "fragment"), [c[1:] for c in CLASSIC_CASES], ids=[c[0] for c in CLASSIC_CASES])
def test_a_classic_game_file_with_one_bad_change(tmp_path, capsys, text, fragment):
    _check_file(tmp_path, capsys, text, fragment)


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--set", "game.b=high"], "override: game.b: must be a number"),
        (["--set", "game.bb=1"], "override: game.bb: unknown key"),
        (["--set", "game=1"], "override: game: is a table"),
        (["--set", "extends=classic/ohtsuki_cycle"], "override: extends: a file's own choice"),
        (["--villages", "5"], "--villages: a spatial_game scenario has no villages"),
        (["--steps", "0"], "argument --steps: must be a whole number in [1, 100000] (run.steps), got 0"),
    ],
)
def test_bad_flags_for_a_classic_game(tmp_path, capsys, args, fragment):
    code, err = _run_cli(["run", "classic/nowak_may", *args, "--out", str(tmp_path / "out")], capsys)
    _assert_one_line(code, err, fragment)
    _assert_nothing_written(tmp_path, set())


# ----------------------------------------------------------------------------- experiment files

EXPERIMENT = (
    'name = "bad"\nscenario = "default"\ndesign = "arms"\nseed = 7\nreplicates = 2\nsteps = 20\n'
    'metrics = ["welfare.mean_consumption"]\n'
    '[[arms]]\nname = "autarky"\nset = { "cooperation.forms" = [] }\n'
    '[[arms]]\nname = "formal"\nset = { "cooperation.forms" = ["formal"] }\n'
)
ARMS = EXPERIMENT.split("[[arms]]")[0]
RANGE = '"behaviour.initial_trust" = [0.1, 0.9]'
SAMPLED = ARMS.replace('"arms"', '"lhs"') + f"samples = 4\n[ranges]\n{RANGE}\n"
MORRIS = SAMPLED.replace('"lhs"', '"morris"').replace("samples = 4\n", "samples = 4\nnum_levels = {levels}\n")
MONEY = '[set]\n"forms.formal.setup_cost" = 3\n"economy.poverty_line" = {line}\n'  # the line after the money
GRID = ARMS.replace('"arms"', '"grid"') + '[factors]\n"behaviour.initial_trust" = [0.2, 0.8]\n'


def _with(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


EXPERIMENT_CASES = [
    ("unknown key", "bogus = 1\n" + EXPERIMENT, "bogus: unknown key"),
    ("typo key", _with(EXPERIMENT, "replicates", "replicats"), "replicats: unknown key; allowed: "),
    ("no name", _with(EXPERIMENT, 'name = "bad"\n', ""), "name: missing"),
    ("no seed", _with(EXPERIMENT, "seed = 7\n", ""), "seed: missing"),
    ("no design", _with(EXPERIMENT, 'design = "arms"\n', ""), "design: missing"),
    ("no scenario", _with(EXPERIMENT, 'scenario = "default"\n', ""), "scenario: missing"),
    ("design", _with(EXPERIMENT, '"arms"', '"cube"'), "design: 'cube' is not allowed"),
    ("scenario", _with(EXPERIMENT, '"default"', '"nowhere"'), "scenario: no scenario named 'nowhere'"),
    ("scenario type", _with(EXPERIMENT, '"default"', "3"), "scenario: must be str"),
    ("replicates 0", _with(EXPERIMENT, "replicates = 2", "replicates = 0"), "replicates: must be >= 1"),
    ("replicates str", _with(EXPERIMENT, "replicates = 2", 'replicates = "2"'), "replicates: must be int"),
    ("seed", _with(EXPERIMENT, "seed = 7", "seed = -1"), "seed: must be >= 0"),
    ("seed float", _with(EXPERIMENT, "seed = 7", "seed = 7.5"), "seed: must be int"),
    ("steps", _with(EXPERIMENT, "steps = 20", "steps = 0"), "steps: must be >= 1"),
    ("metrics empty", _with(EXPERIMENT, '["welfare.mean_consumption"]', "[]"), "metrics: must be a non-empty list"),
    ("metrics str", _with(EXPERIMENT, '["welfare.mean_consumption"]', '"welfare"'), "metrics: must be list"),
    ("metric", _with(EXPERIMENT, "mean_consumption", "happiness"), "metrics.0: 'welfare.happiness' is not"),
    ("reference", _with(EXPERIMENT, "seed = 7\n", 'seed = 7\nreference = "z"\n'), "reference: no arm named 'z'"),
    ("arms table", ARMS + "[arms]\nname = 'a'\n", "arms: must be list"),
    ("arms empty", ARMS + "arms = []\n", "arms: needs at least one arm"),
    ("arm no name", _with(EXPERIMENT, 'name = "formal"\n', ""), "arms.1.name: required"),
    ("arm duplicate", _with(EXPERIMENT, '"formal"\n', '"autarky"\n'), "arms.1.name: duplicate name"),
    ("arm key", _with(EXPERIMENT, 'name = "formal"\n', 'name = "formal"\nrank = 1\n'), "arms.1.rank: unknown key"),
    ("arm set", _with(EXPERIMENT, 'set = { "cooperation.forms" = [] }', "set = 3"), "arms.0.set: must be a table"),
    ("arm set key", _with(EXPERIMENT, '"cooperation.forms" = []', '"no.such" = 1'), "arms.0.set: no.such: unknown"),
    ("arm set value", _with(EXPERIMENT, '["formal"]', '["guild"]'), "arms.1.set: cooperation.forms: unknown form"),
    ("set key", EXPERIMENT + '[set]\n"behaviour.temprature" = 0.1\n', "set: behaviour.temprature: unknown key"),
    ("set value", EXPERIMENT + '[set]\n"behaviour.initial_trust" = 2.0\n', "set: behaviour.initial_trust: 2.0 is"),
    ("set zero line", EXPERIMENT + MONEY.format(line=0), "set: economy.poverty_line: 0 is out of range"),
    ("set text line", EXPERIMENT + MONEY.format(line='"x"'), "set: economy.poverty_line: must be a number"),
    ("set not table", _with(EXPERIMENT, "steps = 20\n", "steps = 20\nset = 3\n"), "set: must be dict"),
    ("conditions", EXPERIMENT + "[[conditions]]\nlabel = 'x'\n", "conditions.0.name: required"),
    ("condition set", EXPERIMENT + '[[conditions]]\nname = "c"\nset = { "run.steps" = -1 }\n', "conditions.0.set"),
    ("factors for arms", EXPERIMENT + '[factors]\n"behaviour.initial_trust" = [0.2]\n', "factors: not used"),
    ("quick unknown", EXPERIMENT + "[quick]\nreplicats = 1\n", "quick.replicats: unknown key"),
    ("quick replicates", EXPERIMENT + "[quick]\nreplicates = 0\n", "quick.replicates: must be >= 1"),
    ("quick steps", EXPERIMENT + "[quick]\nsteps = 0\n", "quick.steps: must be >= 1"),
    ("quick steps type", EXPERIMENT + '[quick]\nsteps = "few"\n', "quick.steps: must be int"),
    ("quick set", EXPERIMENT + '[quick]\nset = { "behaviour.initial_trust" = 2.0 }\n', "quick.set: behaviour."),
    ("quick name", EXPERIMENT + '[quick]\nname = "q"\n', "quick.name: unknown key"),
    ("quick table", _with(EXPERIMENT, "steps = 20\n", "steps = 20\nquick = 1\n"), "quick: must be a table"),
    ("grid empty", _with(GRID, "[0.2, 0.8]", "[]"), "factors.behaviour.initial_trust: must be a non-empty list"),
    ("grid value", _with(GRID, "[0.2, 0.8]", "[0.2, 8.0]"), "factors.behaviour.initial_trust: 8.0 is out of"),
    ("grid key", _with(GRID, "initial_trust", "initial_trus"), "factors.behaviour.initial_trus: unknown key"),
    ("grid none", _with(GRID, '"behaviour.initial_trust" = [0.2, 0.8]\n', ""), "factors: needs at least one"),
    ("grid missing", GRID.split("[factors]")[0], "factors: missing"),
    ("range order", _with(SAMPLED, "[0.1, 0.9]", "[0.9, 0.1]"), "ranges.behaviour.initial_trust: must be [low"),
    ("range length", _with(SAMPLED, "[0.1, 0.9]", "[0.1]"), "ranges.behaviour.initial_trust: must be [low"),
    ("range value", _with(SAMPLED, "[0.1, 0.9]", "[0.1, 1.9]"), "ranges.behaviour.initial_trust: 1.9 is out"),
    (
        "range schema",
        _with(SAMPLED, RANGE, '"landscape.area_km" = "schema"'),
        "ranges.landscape.area_km: the schema declares",
    ),
    ("range schema none", _with(SAMPLED, "[0.1, 0.9]", '"schema"').replace("initial_trust", "rule"), "ranges.beh"),
    ("samples", _with(SAMPLED, "samples = 4", "samples = 0"), "samples: design 'lhs' needs samples >= 1"),
    ("sobol samples", _with(SAMPLED, '"lhs"', '"sobol"').replace("samples = 4", "samples = 6"), "samples: Sobol"),
    ("morris levels", MORRIS.format(levels=1), "num_levels: Morris needs num_levels >= 2"),
    ("morris levels 0", MORRIS.format(levels=0), "num_levels: Morris needs num_levels >= 2"),
    ("classic game", _with(EXPERIMENT, '"default"', '"classic/nowak_may"'), "scenario: 'classic/nowak_may' is a"),
    ("scenario typo", _with(EXPERIMENT, '"default"', '"autarcy"'), "scenario: no scenario named 'autarcy'; did you"),
    ("malformed", EXPERIMENT + "[set\n", "malformed TOML"),
    ("arm label", _with(EXPERIMENT, 'name = "formal"\n', 'name = "formal"\nlabel = 3\n'), "arms.1.label: must be a"),
    ("name empty", _with(EXPERIMENT, 'name = "bad"', 'name = ""'), "name: must be a folder name"),
    ("name path", _with(EXPERIMENT, 'name = "bad"', 'name = "../elsewhere"'), "name: must be a folder name"),
    (
        "reference of grid",
        _with(GRID, "seed = 7\n", 'seed = 7\nreference = "a"\n'),
        "reference: not used by design 'grid'",
    ),
    ("scenario file", SCENARIO + "[landscape]\nn_villages = 5\n", "this is a scenario file: use `kerjasama run"),
]


@pytest.mark.parametrize(("text", "fragment"), [c[1:] for c in EXPERIMENT_CASES], ids=[c[0] for c in EXPERIMENT_CASES])
def test_an_experiment_file_with_one_bad_change(tmp_path, capsys, text, fragment):
    path = tmp_path / "exp.toml"
    path.write_text(text)
    for extra in ([], ["--quick"]):
        code, err = _run_cli(["sweep", str(path), "--out", str(tmp_path / "out"), "--workers", "1", *extra], capsys)
        _assert_one_line(code, err, f"{path}: {fragment}")
    _assert_nothing_written(tmp_path, {"exp.toml"})


def test_the_valid_files_of_the_corpus_are_valid(tmp_path):
    """Each case above is malformed by its one change only: the files it starts from load."""
    from sim.classic import load_classic
    from sim.scenario import load_scenario
    from sim.sweep.design import load_experiment

    for name, text in {"s": SCENARIO, "sched": _file_with("shocks.scheduled.0.step", 3)}.items():
        (tmp_path / f"{name}.toml").write_text(text)
        load_scenario(tmp_path / f"{name}.toml")
    (tmp_path / "c.toml").write_text(CLASSIC)
    load_classic(tmp_path / "c.toml")
    for i, text in enumerate((EXPERIMENT, SAMPLED, GRID)):
        (tmp_path / f"e{i}.toml").write_text(text)
        load_experiment(tmp_path / f"e{i}.toml")


# ----------------------------------------------------------------------------- flags and commands

FLAG_CASES = [
    (["run", "default", "--steps", "0"], "argument --steps: must be a whole number in [1, 100000] (run.steps), got 0"),
    (
        ["run", "default", "--steps", "-5"],
        "argument --steps: must be a whole number in [1, 100000] (run.steps), got -5",
    ),
    (["run", "default", "--steps", "abc"], "argument --steps: invalid int value"),
    (["run", "default", "--steps", "1.5"], "argument --steps: invalid int value"),
    (["run", "default", "--villages", "0"], "argument --villages: must be a whole number in [1, 1e+07]"),
    (["run", "default", "--out", ""], "argument --out: empty; give a folder"),
    (["sweep", "partnership_forms", "--out", " "], "argument --out: empty; give a folder"),
    (["demo", "--out", ""], "argument --out: empty; give a folder"),
    (["run", "default", "--villages", "x"], "argument --villages: invalid int value"),
    (["run", "default", "--seed", "-1"], "argument --seed: must be >= 0"),
    (["run", "default", "--seed", "abc"], "argument --seed: invalid int value"),
    (["run", "default", "--bogus"], "unrecognized arguments: --bogus"),
    (["run"], "the following arguments are required: scenario"),
    (["run", "defualt"], "defualt: no such scenario file or name; available: "),
    (["run", "partnership_forms"], "partnership_forms: this is an experiment: use `kerjasama sweep"),
    (["check", "nowhere.toml"], "nowhere.toml: no such scenario file or name"),
    (["check", "sensitivity"], "sensitivity: this is an experiment: use `kerjasama sweep"),
    (["run", "indonesia_olken"], "indonesia_olken: this is a calibration: use `kerjasama calibrate"),
    (["check", "india_watershed"], "india_watershed: this is a calibration: use `kerjasama calibrate"),
    (["sweep", "partnership_forms", "--workers", "0"], "--workers: must be >= 1"),
    (["sweep", "partnership_forms", "--workers", "-2"], "--workers: must be >= 1"),
    (["sweep", "partnership_forms", "--workers", "two"], "argument --workers: invalid int value"),
    (["sweep", "nowhere"], "nowhere: no such experiment file or name"),
    (["sweep", "autarky"], "autarky: this is a scenario: use `kerjasama run autarky`"),
    (["demo", "--workers", "many"], "argument --workers: invalid int value"),
    (["report", "{tmp}/missing"], "missing: does not exist"),
    (["report", "{tmp}"], "not a sweep results folder"),
    (["explore", "nowhere"], "nowhere: no such scenario file or name"),
    (["explore", "--port", "70000"], "argument --port: must be a port number"),
    (["explore", "--port", "http"], "argument --port: invalid int value"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    (["explore", "--host", "no.such.host", "--port", "8799"], "--host no.such.host --port 8799: cannot listen"),
    (["explore", "--host", "10.255.255.1", "--port", "8799"], "choose another --host"),
]


@pytest.mark.parametrize(("args", "fragment"), FLAG_CASES, ids=[" ".join(c[0]) for c in FLAG_CASES])
def test_a_bad_flag_or_command(tmp_path, capsys, args, fragment):
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    if args[0] in ("run", "sweep") and len(args) > 1:
        args += ["--out", str(tmp_path / "out")]
    code, err = _run_cli(args, capsys)
    _assert_one_line(code, err, fragment)
    _assert_nothing_written(tmp_path, set())


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["run", "default", "--set", "economy.poverty_line=0", "--set", "forms.formal.setup_cost=3"], "override: eco"),
        (["run", "default", "--set", "forms.formal.setup_cots=3"], "did you mean 'setup_cost'?"),
        (["sweep", "scenarios/autarky.toml"], "this is a scenario file: use `kerjasama run"),
        (["check", "experiments/partnership_forms.toml"], "this is an experiment file: use `kerjasama sweep"),
        (["check", "calibrations/india_watershed.toml"], "this is a calibration file: use `kerjasama calibrate"),
        (["run", "calibrations/indonesia_olken.toml"], "this is a calibration file: use `kerjasama calibrate"),
    ],
)
def test_as_a_user_runs_it(tmp_path, args, fragment):
    root = Path(__file__).resolve().parent.parent
    args = [str(root / a) if a.endswith(".toml") else a for a in args]
    if args[0] in ("run", "sweep"):
        args += ["--out", str(tmp_path / "out")]
    result = subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True, cwd=tmp_path)
    _assert_one_line(result.returncode, result.stderr, fragment)
    assert list(tmp_path.iterdir()) == []
