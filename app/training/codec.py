"""A run's state as compact text a client can hold and send back, checked on the way in.

Layout (little-endian): magic "BSR1", an 8-byte binding (a digest of the run's settings, so a
state cannot be replayed against other settings), epoch, optimizer step, history stride and
length (uint32 each), then float64s: parameters, optimizer slots, train losses, test losses;
last a CRC-32 of all that. URL-safe base64 without padding. The CRC catches damage, not intent:
a client may send any finite numbers it likes, which only changes its own run.
"""

from __future__ import annotations

import base64
import binascii
import struct
import zlib

import numpy as np

from engine.errors import EngineError
from engine.network import Params
from engine.optimizers import RULES, OptimizerState
from engine.training_run import History, Problem, RunState, stride_for
from engine.types import Array

MAGIC = b"BSR1"
BINDING_BYTES = 8
MAX_EPOCH = 10_000_000
MAX_STEP = 2**32 - 1  # the header's uint32
_HEADER = struct.Struct(f"<4s{BINDING_BYTES}s4I")
_CRC = struct.Struct("<I")
LOC = ("state",)


def _sizes(problem: Problem) -> tuple[list[tuple[int, ...]], int]:
    shapes = [a.shape for p in problem.network.parameters for a in p]
    return shapes, len(RULES[problem.optimizer.name][1])


def encode(state: RunState, binding: bytes) -> str:
    opt = state.optimizer
    hist = state.history
    header = _HEADER.pack(MAGIC, binding, opt.epoch, opt.step, hist.stride, len(hist.train))
    arrays = [a for p in (*state.params, *(p for s in opt.slots.values() for p in s)) for a in p]
    floats = np.concatenate([np.ravel(a) for a in arrays] + [np.array(hist.train + hist.test)])
    body = header + floats.astype("<f8").tobytes()
    return base64.urlsafe_b64encode(body + _CRC.pack(zlib.crc32(body))).rstrip(b"=").decode()


def _fail(message: str) -> EngineError:
    return EngineError(f"{message}; press Reset to start the run again", LOC)


def _unpack(text: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise _fail("the run's state is not valid base64 text") from None
    if len(raw) < _HEADER.size + _CRC.size or raw[:4] != MAGIC:
        raise _fail("the run's state is not a Backstep training state")
    body, (crc,) = raw[: -_CRC.size], _CRC.unpack(raw[-_CRC.size :])
    if zlib.crc32(body) != crc:
        raise _fail("the run's state is damaged (its checksum does not match)")
    return body


def decode(text: str, problem: Problem, binding: bytes) -> RunState:
    """The state `text` holds, if it belongs to this run and fits its network and optimizer."""
    body = _unpack(text)
    _, bound, epoch, step, stride, n_hist = _HEADER.unpack(body[: _HEADER.size])
    if bound != binding:
        raise _fail("the run's state belongs to other settings")
    if epoch > MAX_EPOCH or stride != stride_for(epoch) or n_hist != epoch // stride + 1:
        raise _fail("the run's state has an inconsistent epoch count or loss history")
    if step > epoch * problem.updates_per_epoch:
        raise _fail("the run's state has taken more optimizer steps than its epochs hold")
    shapes, n_slots = _sizes(problem)
    n_params = sum(int(np.prod(s)) for s in shapes)
    if len(body) - _HEADER.size != 8 * ((1 + n_slots) * n_params + 2 * n_hist):
        raise _fail("the run's state does not fit this network and optimizer")
    floats = np.frombuffer(body[_HEADER.size :], dtype="<f8").astype(np.float64)
    arrays, used = _split(floats, shapes * (1 + n_slots))
    # NOTE: test losses are only shown, and may be NaN (no test set) or overflow: not checked.
    train, test = floats[used : used + n_hist], floats[used + n_hist :]
    if not (np.isfinite(floats[:used]).all() and np.isfinite(train).all()):
        raise _fail("the run's state holds numbers that are not finite")
    k = len(shapes)
    names = RULES[problem.optimizer.name][1]
    slots = {name: _layers(arrays[(1 + i) * k : (2 + i) * k]) for i, name in enumerate(names)}
    opt = OptimizerState(problem.optimizer.name, step, epoch, slots)
    history = History(stride, tuple(map(float, train)), tuple(map(float, test)))
    return RunState(_layers(arrays[:k]), opt, history)


def has_room(state: RunState, problem: Problem, epochs: int) -> bool:
    """Whether `epochs` more epochs of training still make a state this format can hold."""
    opt = state.optimizer
    more_steps = epochs * problem.updates_per_epoch
    return opt.epoch + epochs <= MAX_EPOCH and opt.step + more_steps <= MAX_STEP


def _layers(arrays: list[Array]) -> tuple[Params, ...]:
    """[W1, b1, W2, b2, ...] back into per-layer pairs."""
    return tuple(Params(w, b) for w, b in zip(arrays[::2], arrays[1::2], strict=True))


def _split(floats: Array, shapes: list[tuple[int, ...]]) -> tuple[list[Array], int]:
    arrays: list[Array] = []
    at = 0
    for shape in shapes:
        size = int(np.prod(shape))
        arr = floats[at : at + size].reshape(shape)
        arr.flags.writeable = False
        arrays.append(arr)
        at += size
    return arrays, at
