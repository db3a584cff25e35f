"""The boundaries of docs/ARCHITECTURE.md, checked on the source so that a new module cannot quietly cross them."""

from __future__ import annotations

import ast
from pathlib import Path

API = Path(__file__).resolve().parent.parent / "api"
DOMAINS = sorted(p.name for p in API.iterdir() if p.is_dir() and (p / "__init__.py").exists() and p.name != "lib")
# The composition root wires every domain together; nothing else may reach into another domain's insides.
COMPOSITION_ROOT = {"app.py", "cli.py", "bootstrap.py", "piccolo_conf.py"}
MAX_LINES = 600


def _modules() -> list[tuple[Path, ast.Module]]:
    return [(path, ast.parse(path.read_text(), str(path))) for path in sorted(API.rglob("*.py"))]


def _imports(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _domain_of(path: Path) -> str | None:
    parts = path.relative_to(API).parts
    return parts[0] if len(parts) > 1 else None


def test_domains_use_each_other_only_through_services() -> None:
    crossings = []
    for path, tree in _modules():
        if path.name in COMPOSITION_ROOT and path.parent == API:
            continue
        own = _domain_of(path)
        for name in _imports(tree):
            parts = name.split(".")
            if len(parts) < 3 or parts[0] != "api" or parts[1] not in DOMAINS or parts[1] == own:
                continue
            # A table may declare a foreign key to another domain's table: the database, not the code, joins them.
            foreign_key = path.name == "tables.py" and parts[2] == "tables"
            if parts[2] in ("tables", "controllers", "piccolo_app") and not foreign_key:
                crossings.append(f"{path.relative_to(API)} imports {name}")
    assert crossings == []


def test_lib_knows_no_domain() -> None:
    offenders = [
        f"{path.relative_to(API)} imports {name}"
        for path, tree in _modules()
        if _domain_of(path) == "lib"
        for name in _imports(tree)
        if name.split(".")[:2][-1] in DOMAINS and name.startswith("api.")
    ]
    assert offenders == []


def test_services_import_no_web_framework() -> None:
    offenders = [
        f"{path.relative_to(API)} imports {name}"
        for path, tree in _modules()
        if "service" in path.relative_to(API).parts[-1] or "service" in path.relative_to(API).parts[:-1]
        for name in _imports(tree)
        if name.split(".")[0] == "litestar"
    ]
    assert offenders == []


def test_no_module_is_too_long_to_hold_in_mind() -> None:
    long_files = {
        str(path.relative_to(API)): n
        for path, _tree in _modules()
        if (n := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long_files == {}


def test_domain_errors_have_one_base() -> None:
    """Every exception class a domain defines derives (directly or not) from api.lib.errors.DomainError, or is
    internal (named with a leading underscore, or a configuration/data-file error raised before serving)."""
    import importlib

    from api.lib.errors import DomainError

    outside = []
    for path, tree in _modules():
        domain = _domain_of(path)
        if domain is None or domain == "lib":
            continue
        module_name = ".".join(("api", *path.relative_to(API).with_suffix("").parts)).removesuffix(".__init__")
        classes = [n.name for n in tree.body if isinstance(n, ast.ClassDef) and n.name.endswith("Error")]
        if not classes:
            continue
        module = importlib.import_module(module_name)
        for name in classes:
            cls = getattr(module, name)
            if not issubclass(cls, DomainError) and name not in STARTUP_ERRORS and not name.startswith("_"):
                outside.append(f"{module_name}.{name}")
    assert outside == []


# Raised while loading data files or settings, before any request exists: they stop the process, not a request.
STARTUP_ERRORS = {"DataFileError", "HolidayDataError"}


MAX_FUNCTION_LINES = 60
LONG_ON_PURPOSE = "Long on purpose"
# How far into a long function its reason may be written (after a signature of many parameters and a docstring).
REASON_WITHIN_LINES = 25


def test_no_function_is_long_without_a_reason() -> None:
    """A function over 60 lines says why in a comment with "Long on purpose" near its start (a checked sequence
    that reads better in one piece); otherwise it is split into named steps."""
    unexplained = []
    for path, tree in _modules():
        lines = path.read_text().splitlines()
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) or node.end_lineno is None:
                continue
            length = node.end_lineno - node.lineno + 1
            head = lines[node.lineno - 1 : node.lineno - 1 + REASON_WITHIN_LINES]
            if length > MAX_FUNCTION_LINES and not any(LONG_ON_PURPOSE in line for line in head):
                unexplained.append(f"{path.relative_to(API)}:{node.lineno} {node.name} ({length} lines)")
    assert unexplained == []


TESTS = Path(__file__).resolve().parent


def _imported_modules(path: Path, tree: ast.Module) -> set[str]:
    """Every module a file imports (``from a import b`` may name a module ``a.b``), relative imports resolved."""
    package = ".".join(path.relative_to(TESTS.parent).with_suffix("").parts[:-1])
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*parent, *([base] if base else [])])
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def test_no_test_module_imports_another() -> None:
    """What tests share lives in tests/support/ (or, for the browser, in a tests/e2e/ module not named test_*):
    importing a test module drags its tests and fixtures into the importer and ties one test file to another's
    insides."""
    offenders = []
    for path in sorted(TESTS.rglob("*.py")):
        for name in _imported_modules(path, ast.parse(path.read_text(), str(path))):
            target = TESTS.parent.joinpath(*name.split(".")).with_suffix(".py")
            if name.startswith("tests.") and target.name.startswith("test_") and target.exists():
                offenders.append(f"{path.relative_to(TESTS.parent)} imports {name}")
    assert offenders == []
