"""benchmarks/zx48_norm_tables.py (thirty-eighth round, zx48norms38): the 48K's RMSNorms on the engine's inputs by
part, main's mul16u loop against the products' tables in the screen's middle third and the 128K's forms."""

from __future__ import annotations

import sys

from soulterm.paths import CHECKOUT_DIR

sys.path.insert(0, str(CHECKOUT_DIR / "benchmarks"))
import zx48_norm_tables as tables  # noqa: E402  (a benchmark script)


def test_the_benchmark_prices_each_form(monkeypatch, capsys):
    """Each form's clamped and unclamped norms of "hi" (every output checked against intmath by the script): the
    products' tables make their pages and take fewer T-states a norm than mul16u's loop, the squares the same."""
    monkeypatch.setattr(sys, "argv", ["zx48_norm_tables.py", "hi"])
    tables.main()
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith("unclamped") and "norms (hi)" in lines[0]
    costs = {line.split(":")[0]: line for line in lines[1:]}
    main, products = (costs[f"{form}, unclamped"] for form in ("48K, mul16u's loop (main)", "48K, the products' tables"))
    def total(line):
        return int(line.split(": ")[1].split(" T-states")[0].replace(",", ""))
    assert "tables' making" in products and "tables' making" not in main
    assert total(products) < total(main)
    assert main.split("squares ")[1].split(",")[0] == products.split("squares ")[1].split(",")[0]
