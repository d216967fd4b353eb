import pytest

from migrasome.parameters import sources_table
from migrasome.perturbations import PERTURBATIONS, apply_perturbations
from migrasome.scenario import Scenario, ScenarioError, list_presets, load_preset


def test_every_parameter_has_a_source():
    for name in list_presets():
        for row in sources_table(load_preset(name)):
            assert row["source"], (name, row["path"])


def test_every_perturbation_has_a_source_and_changes_something():
    base = load_preset("nrk-fibronectin")
    for p in PERTURBATIONS.values():
        assert p.source and p.description
        changed = apply_perturbations(base, [p.name + (":3" if p.dose_path else "")])
        assert changed.model_dump(exclude={"perturbations"}) != base.model_dump(
            exclude={"perturbations"}), p.name


def test_toml_round_trip(tmp_path):
    sc = apply_perturbations(load_preset("nrk-fibronectin"), ["TSPAN4-OE", "fibronectin:20"])
    f = tmp_path / "s.toml"
    f.write_text(sc.to_toml())
    back = Scenario.from_toml(f)
    assert back == sc
    assert load_preset(str(f)) == sc


def test_perturbations_compose_in_order():
    sc = load_preset("nrk-fibronectin")
    twice = apply_perturbations(sc, ["TSPAN4-KD", "TSPAN4-KD"])
    assert twice.molecules.TSPAN4 == pytest.approx(0.04)
    ko_then_oe = apply_perturbations(sc, ["TSPAN4-KO", "TSPAN4-OE"])
    assert ko_then_oe.molecules.TSPAN4 == 0.0
    assert twice.perturbations == ["TSPAN4-KD", "TSPAN4-KD"]
    dosed = apply_perturbations(sc, ["laminin-511:25"])
    assert dosed.ecm.coating == "laminin-511" and dosed.ecm.concentration_ug_per_ml == 25


def test_bad_input_names_what_is_wrong_and_what_is_allowed():
    sc = load_preset("nrk-fibronectin")
    with pytest.raises(ScenarioError, match="unknown perturbation 'TSPAN9-OE'.*TSPAN4-OE"):
        apply_perturbations(sc, ["TSPAN9-OE"])
    with pytest.raises(ScenarioError, match="takes no dose"):
        apply_perturbations(sc, ["MbCD:3"])
    with pytest.raises(ScenarioError, match="must be a finite number"):
        apply_perturbations(sc, ["fibronectin:lots"])
    with pytest.raises(ScenarioError, match="unknown preset 'hela'.*nrk-fibronectin"):
        load_preset("hela")
    with pytest.raises(ScenarioError, match=r"run.hours = -1.*greater than 0"):
        sc.with_changes(**{"run.hours": -1})
    with pytest.raises(ScenarioError, match="ecm.coating"):
        sc.with_changes(**{"ecm.coating": "matrigel"})
    with pytest.raises(ScenarioError, match="unknown scenario field"):
        sc.with_changes(**{"cells.legs": 4})
    with pytest.raises(ScenarioError, match="not valid TOML"):
        bad = __import__("pathlib").Path(__file__).with_name("_bad.toml")
        try:
            bad.write_text("[run\nhours=")
            Scenario.from_toml(bad)
        finally:
            bad.unlink()
