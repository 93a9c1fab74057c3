"""Files -> core layers. Readers register with :mod:`viewer.readers.registry` (pattern, priority,
content sniffing); :func:`read_path` picks one and returns the layers in the file's own CRS."""

from viewer.readers.errors import ReadError
from viewer.readers.registry import ReadOptions, find_reader, read_path

__all__ = ["ReadError", "ReadOptions", "find_reader", "read_path"]
