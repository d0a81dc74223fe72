"""What an import did (or a dry run would do), row by row: the summary and every refusal."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from services.intake.importing.rows import Refusal


@dataclass
class Tally:
    dry_run: bool = False
    total: int = 0
    read: int = 0
    imported: int = 0
    """Rows received now (a dry run: rows that would be)."""
    already_there: int = 0
    """Rows an earlier run imported: nothing added."""
    refused: int = 0
    """Rows not imported; each reason in ``refusals``."""
    by_reason: Counter[str] = field(default_factory=Counter)
    """Refused rows by reason code (a row refused for two reasons counts under both)."""
    refusals: list[Refusal] = field(default_factory=list)
    interrupted: bool = False

    def refuse(self, reasons: list[Refusal]) -> None:
        self.refused += 1
        self.refusals.extend(reasons)
        self.by_reason.update({reason.code for reason in reasons})

    def as_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "rows": self.total,
            "read": self.read,
            "imported": self.imported,
            "already_there": self.already_there,
            "refused": self.refused,
            "by_reason": dict(sorted(self.by_reason.items())),
            "refusals": [refusal.as_dict() for refusal in self.refusals],
            "interrupted": self.interrupted,
        }

    def summary(self) -> str:
        done = "would import" if self.dry_run else "imported"
        done_zh = "可导入" if self.dry_run else "已导入"
        lines = [
            f"rows read 已读取: {self.read} of {self.total}",
            f"{done} {done_zh}: {self.imported}",
            f"already there 已存在: {self.already_there}",
            f"refused 拒绝导入: {self.refused}",
        ]
        lines += [f"  {code}: {count}" for code, count in sorted(self.by_reason.items())]
        if self.interrupted:
            lines.append(
                "interrupted: run the same command again to continue where it stopped "
                "(已中断：再次运行同一命令即从中断处继续)"
            )
        return "\n".join(lines)
