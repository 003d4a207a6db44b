"""The apps stay layered: each imports only its own and lower apps, and no module imports another's face.

Reads the imports of every module under onewindow/ and bench/ with `ast` — top-level and function-local
imports, relative ones, and `importlib.import_module("…")` string literals — so an import hidden inside
a function still counts. A new app is one line in LAYERS.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

# Bottom → top. Apps on one line are one layer: neither is above the other.
LAYERS: list[tuple[str, ...]] = [
    ("core",),
    ("org",),
    ("workdays",),
    ("catalogue",),
    ("handover",),
    ("staffing",),  # stationed staff, qualifications, training: the acceptance desk and handovers ask it
    ("cases",),
    ("ratings",),  # 好差评: applicants' ratings and rectifications, counted by the statistics
    ("stats", "supervision", "messaging"),
    ("assessment",),
]
RANK = {app: rank for rank, apps in enumerate(LAYERS) for app in apps}

# The composition root may import anything: the modules directly in the `onewindow` package (settings,
# urls, api, views, cli…), its app `onewindow.site` (the commands that span every app), and bench/.
ROOT_APP = "site"

# An app's faces: what renders or parses for the outside (HTML, JSON, admin, CLI, URL map, home links).
# No module imports another face, except an app's own urls importing its own views; the root imports any.
FACES = ("api", "views", "forms", "admin", "urls", "nav", "templatetags", "management")
IMPORTABLE_FACES = ("forms",)  # a view builds its app's forms; forms hold no request handling
# Core's api module is the toolkit every router builds on (renderer, problem+json, pagination), not a face.
TOOLKITS = ("onewindow.core.api",)

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Where:
    """What a dotted module name is, for the rules: the composition root, an app module, or outside."""

    root: bool
    app: str | None
    face: str | None

    @classmethod
    def of(cls, module: str) -> Where:
        parts = module.split(".")
        if parts[0] == "bench":
            return cls(root=True, app=None, face=None)
        if parts[0] != "onewindow":
            return cls(root=False, app=None, face=None)  # Django, the standard library, packages
        if len(parts) == 1:
            return cls(root=True, app=None, face=None)
        if parts[1] == ROOT_APP or (REPO / "onewindow" / f"{parts[1]}.py").exists():
            return cls(root=True, app=None, face=None)  # onewindow/<module>.py or the root's app
        face = parts[2] if len(parts) > 2 and parts[2] in FACES else None
        return cls(root=False, app=parts[1], face=face)


def module_name(path: Path) -> str:
    relative = path.relative_to(REPO).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(module: str, source: str, *, is_package: bool = False) -> list[tuple[int, str]]:
    """(line, dotted name) of everything `source` imports, wherever the import statement sits."""
    package = module if is_package else module.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            # `from onewindow import views` imports the module onewindow.views: name each imported thing.
            found.extend((node.lineno, f"{prefix}.{alias.name}") for alias in node.names)
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if (
                name == "import_module"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.append((node.lineno, node.args[0].value))
    return found


def check_module(module: str, source: str, *, is_package: bool = False) -> list[str]:
    """Every layering rule `module` (with this source) breaks, one message each."""
    here = Where.of(module)
    if here.root or here.app is None:
        return []
    if here.app not in RANK:
        return [f"{module}: app {here.app!r} is not in LAYERS (tests/test_layering.py): add it to its layer"]
    problems = []
    for line, target in imported_modules(module, source, is_package=is_package):
        there = Where.of(target)
        if there.root:
            problems.append(f"{module}:{line} imports the composition root ({target})")
            continue
        if there.app is None or there.app not in RANK:
            continue
        if RANK[there.app] > RANK[here.app]:
            problems.append(
                f"{module}:{line} imports {target}: {there.app!r} is above {here.app!r} "
                "(offer a hook the upper app registers with instead)"
            )
        elif there.face and there.face not in IMPORTABLE_FACES and not target.startswith(TOOLKITS):
            own_views_from_urls = there.app == here.app and here.face == "urls" and there.face == "views"
            if not own_views_from_urls:
                problems.append(
                    f"{module}:{line} imports {target}, a face ({there.face}) of {there.app!r}: "
                    "import its services/selectors/models instead"
                )
    return problems


def project_modules() -> list[Path]:
    paths = sorted((REPO / "onewindow").rglob("*.py")) + sorted((REPO / "bench").rglob("*.py"))
    return [p for p in paths if ".venv" not in p.parts]


def test_no_module_imports_an_upper_app_the_root_or_another_face():
    problems = []
    for path in project_modules():
        problems.extend(
            check_module(
                module_name(path), path.read_text(encoding="utf-8"), is_package=path.name == "__init__.py"
            )
        )
    assert not problems, "\n".join(problems)


def test_every_app_is_in_the_layer_list():
    apps = {p.parent.name for p in (REPO / "onewindow").glob("*/apps.py")} - {ROOT_APP}
    assert apps <= set(RANK), f"apps missing from LAYERS: {sorted(apps - set(RANK))}"


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        ("onewindow.core.audit", "from onewindow.org import roles\n", "'org' is above 'core'"),
        (
            "onewindow.core.api",
            "def f():\n    from onewindow.org.services import user_for_token\n",
            "'org' is above 'core'",
        ),
        (
            "onewindow.handover.selectors",
            'import importlib\nm = importlib.import_module("onewindow.cases.selectors")\n',
            "'cases' is above 'handover'",
        ),
        ("onewindow.workdays.arithmetic", "import onewindow.catalogue.models\n", "'catalogue' is above"),
        ("onewindow.cases.views", "from onewindow.cases.api import throttled\n", "a face (api)"),
        ("onewindow.cases.api", "from onewindow.catalogue import views\n", "a face (views)"),
        ("onewindow.org.views", "from onewindow import views\n", "composition root"),
        ("onewindow.core.management.commands.x", "import bench.cases\n", "composition root"),
        ("onewindow.core.clock", "from ..org import models\n", "'org' is above 'core'"),
        ("onewindow.newapp.models", "", "not in LAYERS"),
    ],
)
def test_the_checker_catches_a_wrong_import(module, source, expected):
    problems = check_module(module, source)
    assert len(problems) == 1 and expected in problems[0], problems


@pytest.mark.parametrize(
    ("module", "source"),
    [
        (
            "onewindow.cases.services",
            "from onewindow.workdays import arithmetic\nfrom onewindow.core import audit\n",
        ),
        ("onewindow.cases.urls", "from onewindow.cases import views\n"),
        ("onewindow.handover.views", "from onewindow.handover.forms import AgreementForm\n"),
        ("onewindow.cases.apps", "def ready():\n    from onewindow.handover.selectors import providers\n"),
        ("onewindow.urls", "from onewindow.cases import views\nfrom onewindow.api import api\n"),
        ("bench.cases", "from onewindow.cases import services\n"),
    ],
)
def test_the_checker_lets_allowed_imports_pass(module, source):
    assert check_module(module, source) == []
