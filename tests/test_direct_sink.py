"""The frames direct delivery writes are the ones websockets would write.

``service.direct_sink.text_frame`` serializes a ``next`` frame once for every
subscriber whose operation id is the same (issue 12, fan-out); a client
must not be able to tell it from ``conn.send_text``'s frame.
"""

from __future__ import annotations

import pytest
from websockets.frames import Frame, Opcode

from service.direct_sink import text_frame


@pytest.mark.parametrize("length", [0, 1, 125, 126, 65535, 65536, 70000])
def test_a_text_frame_is_byte_for_byte_what_websockets_serializes(length: int) -> None:
    text = "é" * (length // 2) + "x" * (length % 2)
    expected = Frame(Opcode.TEXT, text.encode()).serialize(mask=False, extensions=[])
    assert text_frame(text) == expected
