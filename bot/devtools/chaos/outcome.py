"""What one fault scenario measured, and the suite's totals.

`sent` counts what the people sent (or, in `fuzz`, the POSTs); `answered_once`, `duplicated` and
`lost` how those messages fared; `unhandled` the 5xx answers, tracebacks and error lines the bot
produced. Everything else a scenario saw goes in `details`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from bot.devtools.bench.answers import AnswerCount


@dataclass
class Outcome:
    name: str
    sent: int = 0
    answered_once: int = 0
    duplicated: int = 0
    lost: int = 0
    unhandled: int = 0
    seconds: float = 0.0
    details: dict[str, Any] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)

    def add_answers(self, answers: AnswerCount) -> Outcome:
        self.sent += answers.sent
        self.answered_once += answers.answered_once
        self.duplicated += answers.duplicated
        self.lost += answers.lost
        self.examples = (self.examples + answers.examples)[:8]
        return self

    def add_problems(self, problems: list[str]) -> Outcome:
        self.unhandled += len(problems)
        new = [f"logged: {p[:200]}" for p in dict.fromkeys(problems)]  # each kind once
        self.examples = (self.examples + new)[:8]
        return self

    @property
    def clean(self) -> bool:
        """Something was sent, and nothing lost, duplicated or unhandled."""
        return self.sent > 0 and self.lost == self.duplicated == self.unhandled == 0

    def as_dict(self) -> dict[str, Any]:
        return {"sent": self.sent, "answered_once": self.answered_once,
                "duplicated": self.duplicated, "lost": self.lost, "unhandled": self.unhandled,
                "seconds": round(self.seconds, 1), **self.details,
                "examples": self.examples}

    def line(self) -> str:
        extra = "  ".join(f"{key}={value}" for key, value in self.details.items())
        return (f"{self.name:<17} sent {self.sent:>6}  answered_once {self.answered_once:>6}  "
                f"duplicated {self.duplicated:>3}  lost {self.lost:>4}  "
                f"unhandled {self.unhandled:>4}  ({self.seconds:.0f} s)  {extra}").rstrip()


def summary(outcomes: list[Outcome]) -> dict[str, Any]:
    """The `--json` object: scenarios by name and the totals."""
    return {
        "scenarios": {outcome.name: outcome.as_dict() for outcome in outcomes},
        "lost_total": sum(o.lost for o in outcomes),
        "duplicates_total": sum(o.duplicated for o in outcomes),
        "unhandled_total": sum(o.unhandled for o in outcomes),
    }


def summary_line(outcomes: list[Outcome]) -> str:
    return json.dumps(summary(outcomes), ensure_ascii=False)
