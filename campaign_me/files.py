"""Writing files safely: a file is replaced whole or not at all, so a failed run never leaves a
half-written table, notebook or handout behind (the previous good one stays)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["write_atomic", "write_csv"]


def write_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, then rename it into
    place. The folder is created if needed; the file gets the usual permissions (umask applied)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_csv(df: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    """Write a table as CSV atomically, byte-for-byte reproducible: no index, ``\\n`` line ends and
    floats with 10 significant digits (the format of the sample data under ``data/samples``)."""
    text = df.to_csv(index=False, lineterminator="\n", float_format="%.10g")
    write_atomic(path, text.encode("utf-8"))
