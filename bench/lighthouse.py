"""Lighthouse 12.2.3 (bench/node_modules, installed by ``make bench``) on Debian's Chromium, mobile profile."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BINARY = ROOT / "bench" / "node_modules" / ".bin" / "lighthouse"
CHROME = os.environ.get("CHROME_PATH", "/usr/bin/chromium")


def available() -> str | None:
    """None when Lighthouse can run here, else why not."""
    if not BINARY.exists():
        return f"{BINARY} is missing (make bench installs it: npm install in bench/)"
    if not Path(CHROME).exists():
        return f"no Chromium at {CHROME} (apt-get install chromium, or set CHROME_PATH)"
    return None


def summarise(report: dict) -> dict:
    """The figures the bench keeps from a Lighthouse JSON report."""
    audits, categories = report["audits"], report["categories"]

    def score(name: str) -> int | None:
        value = categories.get(name, {}).get("score")
        return None if value is None else round(value * 100)

    return {
        "lcp_ms": round(audits["largest-contentful-paint"]["numericValue"]),
        "cls": round(audits["cumulative-layout-shift"]["numericValue"], 3),
        "tbt_ms": round(audits["total-blocking-time"]["numericValue"]),
        "performance": score("performance"),
        "accessibility": score("accessibility"),
        "dom_size": audits.get("dom-size", {}).get("numericValue"),
        "dom_size_score": audits.get("dom-size", {}).get("score"),
    }


def run(url: str, out: Path) -> dict:
    out.parent.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [str(BINARY), url, "--output=json", f"--output-path={out}", "--quiet",
         "--only-categories=performance,accessibility", "--chrome-flags=--headless=new --no-sandbox"],
        env=os.environ | {"CHROME_PATH": CHROME}, capture_output=True, text=True, timeout=300)
    if done.returncode or not out.exists():
        return {"error": (done.stderr or done.stdout)[-500:]}
    return summarise(json.loads(out.read_text()))
