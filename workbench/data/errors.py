"""One error type for bad input data, carrying every problem as a table."""

from __future__ import annotations

import pandas as pd

__all__ = ["DataError", "ProblemLog", "PROBLEM_COLUMNS"]

PROBLEM_COLUMNS = ["file", "row", "column", "value", "message"]

# Beyond this many rows with the same problem in one column, the log keeps a
# sample and one summary row: a ten-million-row problem table helps nobody.
MAX_ROWS_PER_CHECK = 50


class DataError(ValueError):
    """Input data that cannot be loaded, with every problem found.

    ``problems`` is a DataFrame with columns ``file, row, column, value,
    message``. ``row`` is the row number a spreadsheet shows (the header is row
    1, the first record row 2); it is empty for problems of a whole file or
    column.

    >>> err = DataError(pd.DataFrame([{"file": "members.csv", "row": 5,
    ...     "column": "education", "value": "phd", "message": "not an allowed value"}]))
    >>> len(err.problems)
    1
    """

    def __init__(self, problems: pd.DataFrame, *, source: str | None = None):
        self.problems = problems.reset_index(drop=True)
        self.source = source
        super().__init__(self._render())

    def _render(self, limit: int = 40) -> str:
        n = len(self.problems)
        where = f" in {self.source}" if self.source else ""
        head = f"{n} problem{'s' if n != 1 else ''} found{where}; nothing was loaded:"
        shown = self.problems.head(limit).copy()
        shown["row"] = shown["row"].map(lambda r: "" if pd.isna(r) else str(int(r)))
        shown["value"] = shown["value"].map(_short)
        lines = [head]
        for rec in shown.itertuples(index=False):
            place = rec.file
            if rec.row:
                place += f", row {rec.row}"
            if rec.column:
                place += f", column {rec.column!r}"
            value = f" (value {rec.value})" if rec.value not in ("", None) else ""
            lines.append(f"  - {place}: {rec.message}{value}")
        if n > limit:
            lines.append(f"  ... and {n - limit} more (see err.problems)")
        return "\n".join(lines)


def _short(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."


class ProblemLog:
    """Collects problems while validating; raises one DataError at the end."""

    def __init__(self, source: str | None = None):
        self.rows: list[dict] = []
        self.source = source

    def add(self, file: str, message: str, *, row=None, column: str = "", value="") -> None:
        self.rows.append(
            {"file": file, "row": row, "column": column, "value": value, "message": message}
        )

    def add_rows(self, file: str, column: str, rows, values, message: str) -> None:
        """Record one problem for many rows (positions are spreadsheet row numbers)."""
        rows = list(rows)
        values = list(values)
        for r, v in zip(rows[:MAX_ROWS_PER_CHECK], values[:MAX_ROWS_PER_CHECK]):
            self.add(file, message, row=int(r), column=column, value=_plain(v))
        if len(rows) > MAX_ROWS_PER_CHECK:
            extra = len(rows) - MAX_ROWS_PER_CHECK
            self.add(file, f"{message} (and {extra} more rows like this)", column=column)

    def __bool__(self) -> bool:
        return bool(self.rows)

    def frame(self) -> pd.DataFrame:
        frame = pd.DataFrame(self.rows, columns=PROBLEM_COLUMNS)
        frame["row"] = frame["row"].astype("Int64")
        frame["value"] = frame["value"].astype(object)
        return frame

    def raise_if_any(self) -> None:
        if self.rows:
            raise DataError(self.frame(), source=self.source)


def _plain(value):
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value
