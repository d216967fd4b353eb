"""Public docstrings are numpydoc, name every parameter, and their examples run.

Public means a module's ``__all__`` (or, without one, every name without a leading
underscore) restricted to what the module itself defines, plus the public methods and
properties of those classes. The fields of a parameter section (a pydantic model) are its
parameters, and each must also carry a source.
"""

from __future__ import annotations

import ast
import doctest
import enum
import importlib
import inspect
import textwrap
import warnings

import pytest
from numpydoc import docscrape

MODULES = [
    "migrasome.membrane",
    "migrasome.membrane.discrete",
    "migrasome.membrane.physics",
    "migrasome.membrane.solver",
    "migrasome.membrane.swelling",
    "migrasome.membrane.table",
    "migrasome.membrane.tube",
    "migrasome.sim.biogenesis",
    "migrasome.sim.fibers",
    "migrasome.sim.motility",
    "migrasome.sim.foci",
    "migrasome.sim.release",
    "migrasome.sim.kinetics",
    "migrasome.sim.cargo",
    "migrasome.sim.field",
    "migrasome.sim.functions",
    "migrasome.sim.mitochondria",
    "migrasome.sim.signalling",
    "migrasome.sim.reference",
    "migrasome.imaging.draw",
    "migrasome.imaging.optics",
    "migrasome.imaging.scene",
    "migrasome.imaging.movie",
    "migrasome.parameters",
    "migrasome.parameters.base",
    "migrasome.parameters.biology",
    "migrasome.parameters.culture",
    "migrasome.parameters.functions",
    "migrasome.codes",
    "migrasome.schema",
    "migrasome.readouts",
    "migrasome.perturbations",
    "migrasome.extras",
]


def _is_pydantic_model(obj) -> bool:
    from pydantic import BaseModel

    return inspect.isclass(obj) and issubclass(obj, BaseModel)


def _public_objects(mod):
    """(qualified name, object, kind) of every public function, class, method, property."""
    names = getattr(mod, "__all__", None)
    if names is None:
        names = [n for n in vars(mod) if not n.startswith("_")]
    for name in names:
        obj = inspect.unwrap(getattr(mod, name))
        if not (inspect.isfunction(obj) or inspect.isclass(obj)):
            continue  # constants
        if getattr(obj, "__module__", None) != mod.__name__:
            continue  # re-exported: checked in its home module
        yield f"{mod.__name__}.{name}", obj, "class" if inspect.isclass(obj) else "function"
        if not inspect.isclass(obj) or _is_pydantic_model(obj) or issubclass(obj, enum.Enum):
            continue
        for attr, member in vars(obj).items():
            if attr.startswith("_"):
                continue
            qual = f"{mod.__name__}.{name}.{attr}"
            if isinstance(member, property):
                yield qual, member.fget, "property"
            elif isinstance(member, (staticmethod, classmethod)):
                yield qual, member.__func__, "method"
            elif inspect.isfunction(member):
                yield qual, member, "method"


def _all_public():
    out = []
    for name in MODULES:
        out.extend(_public_objects(importlib.import_module(name)))
    return out


PUBLIC = _all_public()


def _own_doc(obj, kind) -> str:
    doc = obj.__dict__.get("__doc__") if kind == "class" else obj.__doc__
    if not doc or (kind == "class" and doc.startswith(f"{obj.__name__}(")):
        return ""  # none, or the signature dataclasses write when there is none
    return inspect.cleandoc(doc)


def _parse(doc: str):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        parsed = docscrape.NumpyDocString(doc)
    return parsed, [str(w.message) for w in caught]


def _documented_names(section) -> set[str]:
    names = set()
    for p in section:
        for n in p.name.split(","):
            names.add(n.strip().lstrip("*"))
    return names


def _parameters(obj, kind) -> list[str]:
    """Parameter names a caller passes (self, cls and private fields left out)."""
    if kind == "class":
        if _is_pydantic_model(obj):
            return list(obj.model_fields)  # keyword arguments of the model
        if issubclass(obj, (enum.Enum, BaseException)) or "__init__" not in vars(obj):
            return []
        target = obj.__init__
    else:
        target = obj
    params = list(inspect.signature(target).parameters.values())
    if kind == "class" or (kind == "method" and params and params[0].name in ("self", "cls")):
        params = params[1:]
    return [p.name for p in params if not p.name.startswith("_")]


def _returns_value(func) -> bool:
    """Annotated with a non-None return, or a ``return <value>`` in its own body."""
    ann = inspect.signature(func).return_annotation
    if ann is not inspect.Signature.empty and ann not in (None, "None"):
        return True
    tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    fdef = tree.body[0]
    todo = list(fdef.body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue  # a nested function's returns are its own
        if isinstance(node, ast.Return) and node.value is not None:
            return True
        todo.extend(ast.iter_child_nodes(node))
    return False


def test_the_walk_finds_the_public_api():
    names = {q for q, _, _ in PUBLIC}
    # a function, a class, a method, a property, a classmethod and an lru-cached function
    for q in ("migrasome.membrane.tube.solve_tube", "migrasome.sim.field.Field",
              "migrasome.sim.cargo.Ledger.add", "migrasome.imaging.movie.Movie.n_frames",
              "migrasome.sim.foci.FocusGrid.empty",
              "migrasome.membrane.table.load_swelling_table"):
        assert q in names
    assert len(PUBLIC) > 150


@pytest.mark.parametrize("name", MODULES)
def test_module_says_what_it_owns(name):
    mod = importlib.import_module(name)
    doc = inspect.cleandoc(mod.__doc__ or "")
    parsed, problems = _parse(doc)
    assert not problems, f"{name}: {problems}"
    assert len(parsed["Summary"]) == 1 and parsed["Summary"][0].strip(), (
        f"{name}: the module docstring needs a one-line summary")


@pytest.mark.parametrize("qual,obj,kind", PUBLIC, ids=[q for q, _, _ in PUBLIC])
def test_public_docstring_is_numpydoc(qual, obj, kind):
    doc = _own_doc(obj, kind)
    assert doc, f"{qual} has no docstring"
    parsed, problems = _parse(doc)
    assert not problems, f"{qual}: {problems}"
    assert len(parsed["Summary"]) == 1 and parsed["Summary"][0].strip(), (
        f"{qual}: needs a one-line summary, then a blank line")
    if kind == "property":
        return  # documented as an attribute: a summary with its unit
    if _is_pydantic_model(obj):
        unsourced = [f for f, info in obj.model_fields.items()
                     if not _is_pydantic_model(info.annotation)  # a nested section
                     and not (info.json_schema_extra or {}).get("source")]
        assert not unsourced, f"{qual}: fields without a source: {unsourced}"
    params = _parameters(obj, kind)
    documented = _documented_names(parsed["Parameters"])
    missing = set(params) - documented
    assert not missing, f"{qual}: Parameters section lacks {sorted(missing)}"
    if params or kind != "class":
        stale = documented - set(params)
        assert not stale, f"{qual}: Parameters section names {sorted(stale)}, not parameters"
    if kind != "class" and _returns_value(obj):
        assert parsed["Returns"], f"{qual} returns a value but has no Returns section"


@pytest.mark.parametrize("name", MODULES)
def test_examples_run(name):
    mod = importlib.import_module(name)
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS, report=True, verbose=False)
    assert result.failed == 0, f"{result.failed} failing example(s) in {name}"
