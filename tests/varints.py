"""Read the pages' varint tables the way the page scripts do, for tests."""

from __future__ import annotations

import numpy as np


def read_varints(data: bytes) -> list[int]:
    """Unsigned LEB128 varints, in order."""
    out, value, shift = [], 0, 0
    for byte in data:
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            out.append(value)
            value, shift = 0, 0
    return out


def unzigzag(values: list[int]) -> np.ndarray:
    """Zigzag-coded varints back to signed integers."""
    return np.array([(v >> 1) ^ -(v & 1) for v in values], dtype=np.int64)
