"""Texts of the ``workbench`` command line (the commands' own output; errors carry their own texts)."""

from __future__ import annotations

CLI: dict[str, tuple[str, str]] = {
    "cli_error": ("错误：{message}", "error: {message}"),
    "cli_interrupted": ("已中断", "interrupted"),
    # ------------------------------------------------------ simulate, suggest
    "scenario_cli_header": ("方案：{file}（{n}步）", "scenario: {file} ({n} steps)"),
    "scenario_cli_violations": ("违规（调整前 -> 调整后）", "violations (before -> after)"),
    "scenario_cli_saved": ("已保存{n}步 -> {path}", "saved {n} steps -> {path}"),
}
