"""Imports point one way: domains use `core` and the outbox, never the other way round.

`core` is the shared toolkit and imports no app of the project; `webhooks` is a generic outbox
and imports no domain that publishes through it (masters and connected_apps it may: events
belong to an org unit and go to OMS apps). A domain that needs the outbox to do more registers
with it (`webhooks.coalescing`) instead of being imported by it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[2] / "src" / "omslink"

APPS = (
    "accounts",
    "masters",
    "connected_apps",
    "inventory",
    "orders",
    "wholesale",
    "fulfilment",
    "returns",
    "webhooks",
    "oms_simulator",
    "web",
)
FORBIDDEN = {
    "core": APPS,
    "webhooks": ("inventory", "orders", "fulfilment", "wholesale", "returns"),
}


def _imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    """Every module a file imports, absolute or relative, with the line it does so on."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level == 2:  # `from ..orders import x` in omslink/<package>/<module>.py
                module = f"omslink.{module}".rstrip(".")
            elif node.level:  # within the package itself, or deeper than the checked files
                continue
            found.append((node.lineno, module))
            # `from omslink import orders` names the app as an imported name.
            if module == "omslink":
                found += [(node.lineno, f"omslink.{alias.name}") for alias in node.names]
    return found


def _app_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "omslink" else None


def wrong_imports(package: str) -> list[str]:
    """`file:line imports module` for each import of a forbidden app under the package."""
    wrong = []
    for path in sorted((SOURCE / package).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, module in _imported_modules(tree):
            if _app_of(module) in FORBIDDEN[package]:
                wrong.append(f"{path.relative_to(SOURCE.parent)}:{line} imports {module}")
    return wrong


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_no_app_it_must_not_know(package: str) -> None:
    wrong = wrong_imports(package)
    assert not wrong, f"{package} imports what it must not know:\n" + "\n".join(wrong)


def test_the_check_sees_every_form_of_import() -> None:
    """The parser finds plain, from- and relative imports, at any depth of the file."""
    tree = ast.parse(
        "import omslink.orders.models\n"
        "from omslink.inventory import events\n"
        "from omslink import fulfilment\n"
        "from ..wholesale.models import WholesaleOrder\n"
        "from .. import web\n"
        "def later():\n"
        "    from omslink.returns.services import return_create\n"
    )
    apps = [_app_of(module) for _, module in _imported_modules(tree)]
    assert [app for app in apps if app] == [
        "orders",
        "inventory",
        "fulfilment",
        "wholesale",
        "web",
        "returns",
    ]
