"""Checkpoints: written atomically after every epoch, read back with clear errors.

A checkpoint holds both networks, both optimisers, the loss history, the random states and the
run's parameters; resuming with other parameters is refused, and weights of another architecture
are refused by the layer they come to.
"""

import random
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn

from ..core.settings import TRAINING_IDENTITY, Params
from .gan import Generator, make_discriminator, make_generator

CHECKPOINT_FORMAT = 1


def cpu_state(model: nn.Module) -> dict:
    return {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}


def rng_state(batch_order: torch.Generator) -> dict:
    kind, keys, pos, has_gauss, gauss = np.random.get_state()
    state = {"batch_order": batch_order.get_state(), "torch": torch.get_rng_state(),
             "numpy": [kind, torch.from_numpy(keys.astype(np.int64)), pos, has_gauss, gauss],
             "python": list(random.getstate())}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict, batch_order: torch.Generator) -> None:
    batch_order.set_state(state["batch_order"])
    torch.set_rng_state(state["torch"])
    kind, keys, pos, has_gauss, gauss = state["numpy"]
    np.random.set_state((kind, keys.numpy().astype(np.uint32), pos, has_gauss, gauss))
    version, internal, gauss_next = state["python"]
    random.setstate((version, tuple(internal), gauss_next))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def load_checkpoint(path: Path) -> dict:
    """Read a checkpoint (tensors and plain data only), with a clear error if it can't be."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:
        raise RuntimeError(f"{path} is not a readable checkpoint ({type(e).__name__}: {e}); "
                           "delete it, or set RETRAIN=True to train again") from e
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        raise RuntimeError(f"{path} is not a checkpoint of this project (format {CHECKPOINT_FORMAT})")
    return state


def read_checkpoint(path: Path, run: str, params: Params) -> dict | None:
    """The checkpoint of ``run`` at ``path`` if there is one, checked against ``params``; its
    weights are checked as they are loaded (``load_weights``).

    A parameter that an older checkpoint does not record had its default then, the seed's choice.
    """
    if not Path(path).exists():
        return None
    state = load_checkpoint(path)
    saved = {k: state["params"].get(k, Params.__dataclass_fields__[k].default) for k in TRAINING_IDENTITY}
    mismatches = [f"{k.upper()}={saved[k]!r} (now {getattr(params, k)!r})"
                  for k in TRAINING_IDENTITY if saved[k] != getattr(params, k)]
    if state["run"] != run:
        mismatches.insert(0, f"run {state['run']!r} (now {run!r})")
    if mismatches:
        raise ValueError(f"{path} was made with {', '.join(mismatches)}. Set RETRAIN=True to train "
                         "again, or RUN_NAME (or CHECKPOINT_DIR) to keep both runs")
    return state


def build_networks(state: dict, path) -> tuple[Generator, nn.Module]:
    """The checkpoint's G and D, of its architecture, with its weights loaded, in eval mode."""
    saved = state["params"]
    d = make_discriminator(saved.get("d_arch", "seed"), saved.get("local_d", False), saved.get("local_size", 32))
    return (load_weights(make_generator(saved.get("g_arch", "seed")), state["generator"], path, "generator").eval(),
            load_weights(d, state["discriminator"], path, "discriminator").eval())


def load_weights(model: nn.Module, state_dict: dict, path, what: str) -> nn.Module:
    """``model`` with the weights ``state_dict`` (``what`` of the checkpoint at ``path``) loaded; a
    state of another architecture is refused with an error that names the layer."""
    expected = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    found = {k: tuple(v.shape) for k, v in state_dict.items()}
    problems = [f"{k}: expected {expected[k]}, found {found[k]}"
                for k in expected if k in found and expected[k] != found[k]]
    problems += [f"{k} missing" for k in expected if k not in found]
    problems += [f"unexpected {k}" for k in found if k not in expected]
    if problems:
        raise ValueError(f"{path} holds a {what} of another architecture than the seed's "
                         f"{type(model).__name__}: {'; '.join(problems[:4])}")
    model.load_state_dict(state_dict)
    return model


def ema_generator(state: dict) -> Generator | None:
    """The EMA of G's weights that a checkpoint holds (EMA_DECAY > 0), or None."""
    if "ema" not in state:
        return None
    g = make_generator(state["params"].get("g_arch", "seed"))
    g.load_state_dict({k.removeprefix("module."): v for k, v in state["ema"].items() if k.startswith("module.")})
    return g.eval()


def load_shipped(path: Path, fmt: str, what: str, command: str) -> dict:
    """The state dict of a network file that ships in models/ (``fmt``: its format), on the CPU, or a
    one-line error: FileNotFoundError naming ``command``, which trains and exports it again, and
    ValueError for a file that cannot be read or is another kind of file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no {what} at {path}: the repository ships one in models/, and "
                                f"`python -m inpaint_utils.{command}` trains and exports it again")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:
        raise ValueError(f"{path} is not a readable {what} ({type(e).__name__})") from None
    if not isinstance(state, dict) or state.get("format") != fmt:
        raise ValueError(f"{path} is not this project's {what} (format {fmt})")
    return state
