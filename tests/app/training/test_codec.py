"""A run's state as text (app.training.codec): it round-trips exactly, whatever the chunks, and
refuses a damaged state or one of other settings, saying to press Reset."""

from __future__ import annotations

import pytest

from app.training import codec as run_codec
from engine.errors import EngineError
from engine.training_run import advance, start
from tests.engine.test_training_run import BINDING, problem, same


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_chunks_equal_one_run_through_the_codec(optimizer: str) -> None:
    p = problem(optimizer)
    whole = advance(p, start(p), 9).state
    state = start(p)
    for chunk in (1, 3, 5):
        text = run_codec.encode(state, BINDING)
        state = advance(p, run_codec.decode(text, p, BINDING), chunk).state
    same(whole, state)
    assert run_codec.encode(whole, BINDING) == run_codec.encode(state, BINDING)


def tampered(text: str, at: int) -> str:
    raw = bytearray(run_codec.base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    raw[at] ^= 0xFF
    return run_codec.base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()


@pytest.mark.parametrize(
    ("make_text", "message"),
    [
        (lambda t: "%%%not base64", "not valid base64"),
        (lambda t: "QUJD", "not a Backstep training state"),
        (lambda t: tampered(t, 40), "checksum"),
        (lambda t: t[:-8], "checksum"),
    ],
)
def test_damaged_states_are_refused(make_text, message: str) -> None:
    p = problem()
    text = run_codec.encode(advance(p, start(p), 2).state, BINDING)
    with pytest.raises(EngineError, match=message) as info:
        run_codec.decode(make_text(text), p, BINDING)
    assert info.value.loc == ("state",)
    assert "Reset" in info.value.message


def test_a_state_for_other_settings_is_refused() -> None:
    p = problem()
    text = run_codec.encode(start(p), BINDING)
    with pytest.raises(EngineError, match="other settings"):
        run_codec.decode(text, p, b"others!!")
    with pytest.raises(EngineError, match="does not fit"):
        run_codec.decode(text, problem("sgd"), BINDING)  # adam's slots, sgd's none


def test_a_diverged_run_is_still_a_consistent_sendable_state() -> None:
    p = problem("sgd", lr=50.0, acts=("relu", "relu", "linear"), loss="squared_error")
    result = advance(p, start(p), 50)
    assert result.diverged_at is not None
    text = run_codec.encode(result.state, BINDING)
    same(run_codec.decode(text, p, BINDING), result.state)


def reheadered(text: str, **fields: int) -> str:
    """`text` with header fields replaced and its checksum made right again (as anyone can)."""
    raw = run_codec.base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    body = raw[: -run_codec._CRC.size]
    magic, binding, epoch, step, stride, n_hist = run_codec._HEADER.unpack_from(body)
    values = {"epoch": epoch, "step": step, "stride": stride, "n_hist": n_hist, **fields}
    header = run_codec._HEADER.pack(magic, binding, *values.values())
    body = header + body[run_codec._HEADER.size :]
    whole = body + run_codec._CRC.pack(run_codec.zlib.crc32(body))
    return run_codec.base64.urlsafe_b64encode(whole).rstrip(b"=").decode()


def test_a_state_with_more_steps_than_its_epochs_hold_is_refused() -> None:
    # A forged step of 2**32 - 1 made the next frame's state unencodable: a 500.
    p = problem()
    text = run_codec.encode(advance(p, start(p), 2).state, BINDING)
    assert run_codec.decode(text, p, BINDING).optimizer.step == 2 * p.updates_per_epoch
    for step in (2 * p.updates_per_epoch + 1, run_codec.MAX_STEP):
        with pytest.raises(EngineError, match="more optimizer steps than its epochs hold"):
            run_codec.decode(reheadered(text, step=step), p, BINDING)


def test_a_run_has_room_until_its_epoch_or_step_would_not_fit() -> None:
    p = problem()
    state = advance(p, start(p), 2).state
    assert run_codec.has_room(state, p, 1)
    assert not run_codec.has_room(state, p, run_codec.MAX_EPOCH - 1)
    huge = run_codec.MAX_STEP // p.updates_per_epoch
    assert not run_codec.has_room(state, p, huge)
