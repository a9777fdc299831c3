"""What a replay found, per file and overall, as text for people and JSON for programs.

Exit status (the format's contract): 0 when every file passed, 2 when any file is not a valid
transcript (fix the input first), else 1 when any expectation or invariant failed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

EXIT_PASSED, EXIT_FAILED, EXIT_INVALID = 0, 1, 2

Status = Literal["passed", "failed", "invalid"]


@dataclass(frozen=True)
class Failure:
    """One thing that did not hold: where (turn number, or None for the whole file) and what."""

    turn: int | None
    key: str  # the expectation key (reply_contains, offer.amount, final.products.x) or invariant
    message: str

    def where(self) -> str:
        if self.turn is not None:
            return f"turn {self.turn}"
        return "final" if self.key.startswith("final.") else "file"

    def as_dict(self) -> dict[str, Any]:
        return {"turn": self.turn, "key": self.key, "message": self.message}


@dataclass
class FileReport:
    path: str
    name: str | None = None
    turns: int = 0
    seconds: float = 0.0
    error: str | None = None  # set when the file is not a valid transcript
    failures: list[Failure] = field(default_factory=list)
    log: list[str] = field(default_factory=list)  # the conversation as it went (--show)

    @property
    def status(self) -> Status:
        if self.error is not None:
            return "invalid"
        return "failed" if self.failures else "passed"

    def as_dict(self, *, with_log: bool = False) -> dict[str, Any]:
        data = {"file": self.path, "name": self.name, "status": self.status,
                "turns": self.turns, "seconds": round(self.seconds, 3), "error": self.error,
                "failures": [failure.as_dict() for failure in self.failures]}
        if with_log:
            data["log"] = self.log
        return data

    def lines(self) -> list[str]:
        if self.error is not None:
            return [f"INVALID {self.path}: {self.error}"]
        label = "PASS" if not self.failures else "FAIL"
        head = f"{label} {self.path} ({self.turns} turns, {self.seconds:.2f} s)"
        return [head, *(f"  {self.path}: {f.where()}: {f.key}: {f.message}"
                        for f in self.failures)]


@dataclass
class Report:
    files: list[FileReport] = field(default_factory=list)

    @property
    def exit_status(self) -> int:
        if any(report.status == "invalid" for report in self.files) or not self.files:
            return EXIT_INVALID
        if any(report.status == "failed" for report in self.files):
            return EXIT_FAILED
        return EXIT_PASSED

    def counts(self) -> dict[str, int]:
        statuses = [report.status for report in self.files]
        return {"files": len(statuses), "passed": statuses.count("passed"),
                "failed": statuses.count("failed"), "invalid": statuses.count("invalid"),
                "failures": sum(len(report.failures) for report in self.files)}

    def as_dict(self, *, with_log: bool = False) -> dict[str, Any]:
        return {"ok": self.exit_status == EXIT_PASSED, "exit_status": self.exit_status,
                "summary": self.counts(),
                "files": [report.as_dict(with_log=with_log) for report in self.files]}

    def to_json(self, *, with_log: bool = False) -> str:
        return json.dumps(self.as_dict(with_log=with_log), ensure_ascii=False, indent=2)

    def to_text(self) -> str:
        lines = [line for report in self.files for line in report.lines()]
        counts = self.counts()
        lines.append(f"{counts['passed']} passed, {counts['failed']} failed, "
                     f"{counts['invalid']} invalid ({counts['files']} files)")
        return "\n".join(lines)
