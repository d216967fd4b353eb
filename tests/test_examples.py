import importlib.util
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _load(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_perturbation_screen_runs_and_orders_strong_hits():
    mod = _load("perturbation_screen")
    df = mod.screen(cells=20, hours=6, seed=2, names=["TSPAN4-OE", "MbCD"])
    assert df.loc["WT", "fold_vs_wt"] == 1.0
    assert df.loc["TSPAN4-OE", "fold_vs_wt"] > 1.5 > 0.2 > df.loc["MbCD", "fold_vs_wt"]
