"""Reading an MP4's box structure: the one reader shared by the encoder and provenance.

Standard library only, so a process that verifies provenance needs no numpy or ffmpeg.
"""

from __future__ import annotations

import os


def top_level_boxes(path: str | os.PathLike[str]) -> list[str]:
    """The MP4's top-level box types in file order (ftyp, uuid, moov, mdat, ...).

    The one box reader (encode.py and provenance.py both use it). A box of size 0 runs to
    the end of the file; a box whose size is impossible (< 8) ends the walk and is not listed.
    """
    boxes: list[str] = []
    with open(path, "rb") as handle:
        handle.seek(0, os.SEEK_END)
        end = handle.tell()
        offset = 0
        while offset + 8 <= end:
            handle.seek(offset)
            header = handle.read(8)
            size = int.from_bytes(header[:4], "big")
            if size == 1:
                size = int.from_bytes(handle.read(8), "big")
            elif size == 0:
                size = end - offset
            if size < 8:
                break  # corrupt; stop rather than loop
            boxes.append(header[4:8].decode("latin-1"))
            offset += size
    return boxes
