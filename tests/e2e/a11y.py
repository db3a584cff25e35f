"""axe-core in a page, for every browser test that checks a screen's accessibility (not a test module itself).

axe-core comes from npm (tools/node_modules, installed by scripts/test.sh) and is injected into the page as an
inline script, which the app's CSP forbids: the page's context must be made with ``bypass_csp=True``. Only serious
and critical violations of the WCAG 2.0/2.1/2.2 A and AA rules count.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE = Path(__file__).resolve().parents[2] / "tools" / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """The serious and critical violations on the screen as it is now."""
    page.add_script_tag(path=str(AXE))
    result: dict[str, Any] = page.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})", TAGS
    )
    return [v for v in result["violations"] if v.get("impact") in ("serious", "critical")]


def describe(violations: list[dict[str, Any]]) -> str:
    """Violations as a failure message: each rule, its impact and (up to six of) the offending elements."""
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']}  [{v['helpUrl']}]")
        for node in v["nodes"][:6]:
            target = " ".join(str(t) for t in node["target"])
            summary = " ".join(str(node.get("failureSummary", "")).split())
            lines.append(f"    at {target}: {summary[:300]}")
        if len(v["nodes"]) > 6:
            lines.append(f"    … and {len(v['nodes']) - 6} more")
    return "\n".join(lines)
