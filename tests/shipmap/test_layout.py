"""The package as a user installs it: one import name, no cycles, one cache policy."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from builders import write_dataset

from shipmap.cache import cache_dir, cache_root

ROOT = Path(__file__).resolve().parents[2]
#: Where each import name's modules live in the repository.
PACKAGES = {
    "shipmap": ROOT / "shipmap",
    "shipmap.geo": ROOT / "geo",
    "shipmap.routes": ROOT / "routes",
}
#: Module-level mutable state that is a documented cache.
DOCUMENTED_CACHES = {
    ("shipmap.geo.geocode", "_loaded"),
    ("shipmap.routes.network", "_LOADED"),
}


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package, folder in PACKAGES.items():
        for path in folder.rglob("*.py"):
            parts = list(path.relative_to(folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            name = ".".join([package, *parts])
            if name.startswith("shipmap.geo") and package == "shipmap":
                continue
            found[name] = path
    return found


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The project modules that ``name`` imports when it is imported (not inside functions)."""
    tree = ast.parse(path.read_text("utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    stack: list[ast.stmt] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If | ast.Try):
            stack.extend(node.body + node.orelse + getattr(node, "handlers", []) + [])
            continue
        if isinstance(node, ast.ExceptHandler):
            stack.extend(node.body)
            continue
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, base]) if base else ".".join(up)
            targets = [base] + [f"{base}.{a.name}" for a in node.names]
        out.update(t for t in targets if t in known and t != name)
    return out


def test_installing_adds_only_the_shipmap_import_name(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0 and "No module named" in done.stderr:
        pytest.skip(f"cannot build a wheel here: {done.stderr.strip()[-200:]}")
    assert done.returncode == 0, done.stderr
    (wheel,) = tmp_path.glob("shipmap-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert top == {"shipmap"}, top
    # The stage folders are inside it, with their package data.
    assert "shipmap/geo/geocode.py" in names and "shipmap/routes/sea.py" in names
    assert "shipmap/geo/data/gazetteer.csv" in names
    assert "shipmap/map/static/shipmap.js" in names and "shipmap/map/strings/fa.toml" in names


def test_no_module_imports_one_that_imports_it_back() -> None:
    modules = _modules()
    graph = {name: _imports(name, path, set(modules)) for name, path in modules.items()}
    cycles = []
    for start in graph:
        stack = [(start, [start])]
        seen: set[str] = set()
        while stack:
            node, trail = stack.pop()
            for nxt in graph[node]:
                if nxt == start:
                    cycles.append(" → ".join([*trail, start]))
                elif nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, [*trail, nxt]))
    assert not cycles, cycles[:5]


def test_no_module_holds_mutable_state_but_its_documented_caches() -> None:
    found = []
    for name, path in _modules().items():
        tree = ast.parse(path.read_text("utf-8"))
        for node in tree.body:
            if isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(
                node.value, ast.List | ast.Dict | ast.Set
            ):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    # UPPER_CASE names are constant tables; anything else is state.
                    if (
                        isinstance(target, ast.Name)
                        and not target.id.lstrip("_").isupper()
                        and target.id != "__all__"
                        and (name, target.id) not in DOCUMENTED_CACHES
                    ):
                        found.append(f"{name}.{target.id}")
        found += [f"{name}: global" for n in ast.walk(tree) if isinstance(n, ast.Global)]
    assert not found, found


def test_one_cache_policy(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SHIPMAP_CACHE", str(tmp_path / "c"))
    assert cache_dir("routes") == tmp_path / "c" / "routes"
    assert cache_dir("land") == tmp_path / "c" / "land"
    monkeypatch.setenv("SHIPMAP_CACHE", "")
    assert cache_root() is None and cache_dir("gazetteer") is None
    monkeypatch.delenv("SHIPMAP_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir("routes") == tmp_path / "xdg" / "shipmap" / "routes"


def test_the_test_session_keeps_its_caches_out_of_the_users() -> None:
    user = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    ours = cache_root()
    assert ours is not None and user not in ours.parents


def _build(tmp_path: Path, env: dict[str, str]) -> Path:
    data = write_dataset(tmp_path / "data")
    home = tmp_path / "home"
    home.mkdir()
    clean = {k: v for k, v in os.environ.items() if k not in ("SHIPMAP_CACHE", "XDG_CACHE_HOME")}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "shipmap.cli",
            "build",
            str(data),
            "-o",
            str(tmp_path / "out"),
            "-q",
        ],
        env={**clean, "HOME": str(home), **env},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return home


@pytest.mark.slow
def test_every_cache_lands_in_one_folder_and_an_empty_setting_turns_them_all_off(
    tmp_path: Path,
) -> None:
    home = _build(tmp_path / "on", {})
    kept = {p.name for p in (home / ".cache" / "shipmap").iterdir()}
    # (the gazetteer's world index is built only for a name the curated rows lack:
    # the default data set needs none)
    assert {"routes", "land"} <= kept, kept
    assert [p.name for p in (home / ".cache").iterdir()] == ["shipmap"]
    home = _build(tmp_path / "off", {"SHIPMAP_CACHE": ""})
    assert not (home / ".cache").exists()
