"""The digest of the figure-drawing code, a param of every figure job: a changed drawing module
reruns the figures (and only them). The modules are found by following the imports of the figure
steps through facelime's own modules, so none is missed by a hand-kept list."""

from __future__ import annotations

import ast
import hashlib
from pathlib import Path

PACKAGE = "facelime"
# what the figure jobs draw with: the heatmap grids and index, KL and region-share charts
# (facelime.figures), the validity and classifier plots
FIGURE_CODE = ("facelime/steps/figures.py", "facelime/figures.py", "facelime/validity/plots.py",
               "facelime/classify/plots.py")


def module_file(root: Path, module: str) -> Path | None:
    """The file of one of facelime's modules (a package's __init__.py), None for another's."""
    if module != PACKAGE and not module.startswith(PACKAGE + "."):
        return None
    base = root.joinpath(*module.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(root: Path, path: Path) -> list[str]:
    """The modules `path` imports, at the top or inside functions: `from x import y` names the
    submodule x.y when there is one, else x. Packages passed on the way are not followed (their
    __init__ re-exports; the module named is what runs the figure code)."""
    here = module_name(root, path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            for alias in node.names:
                inner = f"{base}.{alias.name}"
                found.append(inner if module_file(root, inner) is not None else base)
    return found


def figure_code_files(root: str | Path, start: tuple[str, ...] = FIGURE_CODE) -> list[Path]:
    """facelime's files the figure code runs, following imports from `start` (paths under root)."""
    root = Path(root)
    seen: set[Path] = set()
    todo = [root / p for p in start]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        for module in imported_modules(root, path):
            found = module_file(root, module)
            if found is not None and found not in seen:
                todo.append(found)
    return sorted(seen)


def source_digest(root: str | Path, files: list[Path]) -> str:
    """A digest of the files' names and contents."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(Path(path).relative_to(root)).encode())
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()[:16]


def figure_style(figures: dict, root: str | Path) -> dict:
    """The params of every figure-drawing job: the config's figures section and the code digest."""
    return {**figures, "code": source_digest(root, figure_code_files(root))}
