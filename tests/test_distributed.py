"""The release recipe under torchrun: two CPU processes (gloo), each on its own crops, averaging gradients.

What holds, and is tested: a two-process step applies the mean of the two ranks' one-process
gradients, each rank's batch norm on its own batch (``distributed``'s docstring says why it is
not SyncBatchNorm), so both ranks keep the same weights. What does not: the run is not a
one-process run at twice the batch, whose batch norm would see all 2 x BATCH_SIZE crops at once
and whose one stream would draw other crops than the two ranks' own streams.

This file is also the workers' script: ``torchrun ... tests/test_distributed.py MODE ...``.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
import torch.nn as nn

import inpaint_utils as iu
from conftest import smooth_images
from inpaint_utils.networks.checkpoints import cpu_state
from inpaint_utils.training import distributed

TORCHRUN = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2"]
TINY = {"CROPS": "stream", "DATA": "sample", "MAX_IMAGES": 16, "STEPS_PER_EPOCH": 2, "RELEASE_EPOCHS": 2,
        "VAL_EVERY": 0, "BATCH_SIZE": 4, "AMP": False}  # 2 epochs of 2 steps, 4 crops a rank a step
LIMIT_S = 240  # no run here takes more than a minute; this only stops a hang from stalling CI


def tiny_params(profile: str = "release"):
    return iu.resolve_params(profile, TINY | {"DEVICE": "cpu"})


def torchrun(script: list[str], folder: Path, *options: str) -> subprocess.CompletedProcess:
    """``torchrun --standalone --nproc_per_node=2 SCRIPT --set ...`` (TINY) writing under ``folder``."""
    env = os.environ | {"INPAINT_OUTPUT_ROOT": str(folder), "OMP_NUM_THREADS": "1", "TQDM_DISABLE": "1",
                        "PYTHONPATH": str(iu.ROOT)}
    settings = [arg for k, v in (TINY | {"CHECKPOINT_DIR": folder / "checkpoints"}).items()
                for arg in ("--set", f"{k}={v}")]
    return subprocess.run([*TORCHRUN, *script, "--profile", "release", *settings, "--output", str(folder / "model"),
                           *options], cwd=iu.ROOT, env=env, capture_output=True, text=True, timeout=LIMIT_S)


def this_script(mode: str) -> list[str]:
    return [str(Path(__file__).resolve()), mode]


@pytest.fixture(scope="module")
def two_processes(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """The tiny release run on two processes, trained and exported, uninterrupted."""
    folder = tmp_path_factory.mktemp("ddp")
    return folder, torchrun(["-m", "inpaint_utils.train_release"], folder)


def test_two_processes_train_write_one_checkpoint_and_export_once(two_processes):
    folder, done = two_processes
    assert done.returncode == 0, done.stderr[-3000:]
    assert sorted(p.name for p in (folder / "checkpoints").iterdir()) == ["release.pt"]
    assert sorted(p.name for p in (folder / "model").glob("*.pt")) == ["inpainter.pt"]
    assert done.stdout.count("exported 4 steps") == 1 and done.stdout.count("Epoch [2/2]") == 1  # rank 0 alone
    state = iu.load_checkpoint(folder / "checkpoints" / "release.pt")
    history = state["history"]
    assert (history["world_size"], history["global_batch"]) == (2, 8)
    assert state["epoch"] == 2 and len(history["g_losses"]) == 4
    ranks = state["rank_rng"]  # each rank's own streams; rank 0's are also where one process keeps them
    assert len(ranks) == 2 and torch.equal(ranks[0]["crop_rng"], state["crop_rng"])
    assert not torch.equal(ranks[0]["crop_rng"], ranks[1]["crop_rng"])
    assert not torch.equal(ranks[0]["mask_rng"], ranks[1]["mask_rng"])


def same(a, b) -> bool:
    """Whether two checkpoint entries (tensors, or dicts and lists of them) are identical."""
    if isinstance(a, torch.Tensor):
        return torch.equal(a, b)
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


def grads(module: nn.Module) -> torch.Tensor:
    """All of ``module``'s gradients, as one vector."""
    return torch.cat([p.grad.flatten() for p in module.parameters()])


def rank_batch(rank: int, step: int, params):
    """Rank ``rank``'s crops and masks at ``step``: its own images, its own seeded masks."""
    truth = smooth_images(params.batch_size, seed=10 * rank + step).float() / 255
    masks = iu.mask_batch(params.mask, params.batch_size, generator=torch.Generator().manual_seed(10 * rank + step))
    return truth, masks


def step_function(params, g, d, opt_g, opt_d, augment: torch.Generator):
    return iu.make_step(g, d, opt_g, opt_d, criterion=nn.BCELoss(), params=params, device=torch.device("cpu"),
                        augment_rng=augment)


def step_worker(out: Path) -> None:
    """Two steps of each recipe on this rank under DDP; the state between them, the second step's
    local losses and averaged gradients, and the weights after it, to ``out``. (At the first step,
    G's zero-initialised head passes no gradient to its other layers.)"""
    with distributed.process_group("cpu") as world:
        for profile in ("release", "release-adv"):
            params = tiny_params(profile)
            g, d, opt_g, opt_d = iu.build_models(params, torch.device("cpu"))
            augment = torch.Generator().manual_seed(distributed.rank_seed(params.seed, world.rank) + 3)
            step = step_function(params, *(distributed.data_parallel(m, torch.device("cpu")) for m in (g, d)),
                                 opt_g, opt_d, augment)
            step(*rank_batch(world.rank, 0, params))
            before = {"g": cpu_state(g), "d": cpu_state(d), "augment": augment.get_state()}
            losses = torch.stack(step(*rank_batch(world.rank, 1, params)))
            torch.save({"before": before, "losses": losses, "g": grads(g),
                        "d": grads(d) if params.adv_weight else None,
                        "after": [p.detach() for p in (*g.parameters(), *d.parameters())]},
                       out / f"{profile}-{world.rank}.pt")


@pytest.fixture(scope="module")
def step_results(tmp_path_factory) -> Path:
    """The folder where step_worker's two ranks left their results."""
    folder = tmp_path_factory.mktemp("ddp-step")
    done = torchrun(this_script("step"), folder)
    assert done.returncode == 0, done.stderr[-3000:]
    return folder


@pytest.mark.parametrize("profile, network", [("release", "g"), ("release-adv", "d")])
def test_a_two_process_step_applies_the_mean_of_the_ranks_gradients(step_results, profile, network):
    """release: G's gradient; release-adv: D's (D's step comes first, with the same G on both ranks;
    G's step then follows a D that neither rank alone would have)."""
    ranks = [torch.load(step_results / f"{profile}-{r}.pt") for r in (0, 1)]
    for net in ("g", "d"):  # the same weights (batch norm's running statistics are each rank's own until
        # DDP sends rank 0's before the next forward; training does not use them)
        weights = [{k: v for k, v in r["before"][net].items() if "running" not in k} for r in ranks]
        assert same(*weights)
    params = tiny_params(profile)
    alone = []  # each rank's batch in one process, from the same weights and that rank's augmentations
    for rank, result in enumerate(ranks):
        g, d, opt_g, opt_d = iu.build_models(params, torch.device("cpu"))
        g.load_state_dict(result["before"]["g"])
        d.load_state_dict(result["before"]["d"])
        augment = torch.Generator()
        augment.set_state(result["before"]["augment"])
        losses = torch.stack(step_function(params, g, d, opt_g, opt_d, augment)(*rank_batch(rank, 1, params)))
        compared = slice(None) if network == "g" else slice(0, 1)  # (D, G); with D, G's comes after D's update
        torch.testing.assert_close(result["losses"][compared], losses[compared], rtol=1e-5, atol=1e-7)
        alone.append(grads(g if network == "g" else d))
    mean = (alone[0] + alone[1]) / 2
    assert (alone[0] - alone[1]).norm() > 0.1 * mean.norm()  # the ranks' gradients differ: the mean is no accident
    for result in ranks:
        assert (result[network] - mean).norm() <= 1e-5 * mean.norm()
    assert same(ranks[0]["after"], ranks[1]["after"])  # both ranks took the same step
    assert not same(ranks[0]["after"], [p for p in (*g.parameters(), *d.parameters())])  # not rank 1's own step


def test_killed_mid_epoch_it_resumes_to_the_uninterrupted_run(tmp_path, two_processes):
    killed = torchrun(this_script("kill"), tmp_path, "--no-export")  # torchrun itself killed in epoch 2
    assert killed.returncode != 0 and "got signal: 15" in killed.stderr
    assert iu.load_checkpoint(tmp_path / "checkpoints" / "release.pt")["epoch"] == 1
    resumed = torchrun(["-m", "inpaint_utils.train_release"], tmp_path, "--no-export")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "resuming from epoch 1 of 2" in resumed.stdout and not (tmp_path / "model").exists()
    ours = iu.load_checkpoint(tmp_path / "checkpoints" / "release.pt")
    whole = iu.load_checkpoint(two_processes[0] / "checkpoints" / "release.pt")
    assert ours["history"]["g_losses"] == whole["history"]["g_losses"]
    for key in ("generator", "ema", "opt_g", "rank_rng"):
        assert same(ours[key], whole[key]), key


def test_one_failing_rank_stops_the_run_with_its_error(tmp_path):
    start = time.monotonic()
    done = torchrun(this_script("fail"), tmp_path, "--no-export")
    assert done.returncode != 0 and time.monotonic() - start < 90  # rank 0 is not left waiting for rank 1
    assert "error: rank 1 of 2: RuntimeError: rank 1 fails on purpose" in done.stderr
    assert not (tmp_path / "checkpoints" / "release.pt").exists()


def test_a_run_of_two_processes_resumes_on_two_only(two_processes):
    params = tiny_params()
    with pytest.raises(ValueError, match=r"trained by 2 process\(es\) \(a global batch of 8\), not 1"):
        iu.train_gan("release", nn.BCELoss(), params, train_images=smooth_images(4, size=128),
                     val_images=smooth_images(4), checkpoint=two_processes[0] / "checkpoints" / "release.pt",
                     epochs=2)


def test_one_process_records_a_world_of_one(params, tmp_path):
    run = iu.train_gan("bce", nn.BCELoss(), params, train_images=smooth_images(8), val_images=smooth_images(4),
                       checkpoint=tmp_path / "bce.pt", epochs=1)
    state = iu.load_checkpoint(run.checkpoint)
    assert (state["history"]["world_size"], state["history"]["global_batch"]) == (1, params.batch_size)
    assert "rank_rng" not in state


def faulty_main(mode: str, argv: list[str]) -> int:
    """train_release.main with a fault at a given mask draw (one a step): "kill" kills torchrun from
    rank 0 as epoch 2 begins (its checkpoint of epoch 1 written); "fail" raises on rank 1 at step 2."""
    from inpaint_utils.train_release import main
    from inpaint_utils.training import loop as training

    rank, draw, calls = int(os.environ["RANK"]), training.mask_batch, [0]

    def faulty(*args, **kwargs):
        calls[0] += 1
        if mode == "kill" and rank == 0 and calls[0] == TINY["STEPS_PER_EPOCH"] + 1:
            os.kill(os.getppid(), signal.SIGTERM)  # the parent is torchrun's agent: as `kill <torchrun>`
            time.sleep(LIMIT_S)  # no further step: the agent stops this process
        if mode == "fail" and rank == 1 and calls[0] == 2:
            raise RuntimeError("rank 1 fails on purpose")
        return draw(*args, **kwargs)

    training.mask_batch = faulty
    return main(argv)


if __name__ == "__main__":  # a torchrun worker
    mode, *rest = sys.argv[1:]
    if mode == "step":
        step_worker(Path(os.environ["INPAINT_OUTPUT_ROOT"]))
    else:
        sys.exit(faulty_main(mode, rest))
