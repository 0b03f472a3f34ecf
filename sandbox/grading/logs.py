"""Reading the structured (JSON lines) logs a learner's app writes."""

from __future__ import annotations

import json
from typing import Any

MAX_LINE = 64 * 1024


def json_lines(text: str) -> list[dict[str, Any]]:
    """Every line of `text` that is a JSON object, in order; other lines are skipped.

    Lines longer than 64 KB are skipped too: a log line is short, and parsing must stay cheap.
    """
    records: list[dict[str, Any]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("{") or len(line) > MAX_LINE:
            continue
        try:
            value = json.loads(line)
        except (ValueError, RecursionError):
            continue
        if isinstance(value, dict):
            records.append(value)
    return records
