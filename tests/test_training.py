import dataclasses
import json
import math

import pytest
import torch
import torch.nn as nn

import inpaint_utils as iu
from benchmarks import seed_reference as seed
from conftest import smooth_images

TRAIN = smooth_images(16, seed=1)  # two batches of 8 per epoch
VAL = smooth_images(4, seed=2)


def train(params, epochs=2, criterion=None, checkpoint=None):
    checkpoint = checkpoint or iu.checkpoints_dir(params) / "bce.pt"
    return iu.train_gan("bce", criterion or nn.BCELoss(), params, train_images=TRAIN, val_images=VAL,
                        checkpoint=checkpoint, epochs=epochs)


def same_weights(a: nn.Module, b: nn.Module) -> bool:
    return all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))


def test_our_step_gives_the_seeds_losses_weights_and_batch_norm_statistics(params):
    torch.manual_seed(params.seed)
    g_ref, d_ref = iu.Generator(), iu.Discriminator()  # the seed's construction, and its default Adam
    og_ref, od_ref = torch.optim.Adam(g_ref.parameters(), lr=1e-4), torch.optim.Adam(d_ref.parameters(), lr=1e-4)
    g, d, og, od = iu.build_models(params, torch.device("cpu"))
    step = iu.make_step(g, d, og, od, criterion=nn.BCELoss(), params=params, device=torch.device("cpu"))
    mask = iu.center_mask()
    for i in range(3):
        truth = smooth_images(8, seed=10 + i).float() / 255
        ref = seed.seed_step(g_ref, d_ref, ((1 - mask) * truth, truth), nn.BCELoss(), og_ref, od_ref, "cpu")
        assert [x.item() for x in step(truth, mask)] == list(ref)
    assert all(torch.equal(p, q) for p, q in zip(g.parameters(), g_ref.parameters()))
    assert same_weights(d, d_ref)  # D runs three times per step in both, so its statistics match exactly
    for (name, ours), ref in zip(g.state_dict().items(), g_ref.state_dict().values()):
        if "running" in name:  # the seed updated them twice per step, we once with momentum 0.19
            torch.testing.assert_close(ours, ref, rtol=1e-5, atol=1e-6)


def test_training_changes_the_weights_and_gives_finite_losses(params):
    torch.manual_seed(params.seed)
    initial = iu.Generator()
    result = train(params, epochs=1)
    assert not same_weights(initial, result.g)
    history = result.history
    assert len(history["g_losses"]) == len(history["d_losses"]) == 2
    # BCE of a D that starts near 1/2 on everything: D's loss near 2 ln 2, G's near ln 2, and neither runs off
    assert all(abs(x - 2 * math.log(2)) < 0.1 for x in history["d_losses"])
    assert all(abs(x - math.log(2)) < 0.1 for x in history["g_losses"])
    assert history["val_samples"].shape == (1, 4, 3, 64, 64) and history["val_samples"].dtype == torch.uint8


def test_same_seed_same_run_and_another_seed_another_run(params, tmp_path):
    a = train(params, checkpoint=tmp_path / "a.pt")
    b = train(params, checkpoint=tmp_path / "b.pt")
    assert a.history["g_losses"] == b.history["g_losses"] and a.history["d_losses"] == b.history["d_losses"]
    assert same_weights(a.g, b.g) and same_weights(a.d, b.d)
    c = train(dataclasses.replace(params, seed=7), checkpoint=tmp_path / "c.pt")
    assert c.history["g_losses"] != a.history["g_losses"]


def test_checkpoint_round_trip(params):
    result = train(params, epochs=1)
    state = iu.load_checkpoint(result.checkpoint)
    assert (state["epoch"], state["epochs"], state["run"]) == (1, 1, "bce")
    g = iu.Generator()
    g.load_state_dict(state["generator"])
    assert same_weights(g, result.g)
    assert state["history"]["g_losses"] == result.history["g_losses"]
    assert state["params"]["seed"] == params.seed


class StepCounter(nn.BCELoss):
    """BCE that counts the training steps by its calls (3 a step: D on photos and composites, then
    G's term), and calls ``at_step(n)`` as step n begins."""

    def __init__(self, at_step):
        super().__init__()
        self.calls, self.at_step = 0, at_step

    def forward(self, out, target):
        if self.calls % 3 == 0:
            self.at_step(self.calls // 3 + 1)
        self.calls += 1
        return super().forward(out, target)


def test_interrupted_run_resumes_to_the_same_weights(params, tmp_path):
    uninterrupted = train(params, epochs=3, checkpoint=tmp_path / "whole.pt")

    def interrupt_in_epoch_two(step):
        if step == 3:  # first step of epoch 2 (2 steps an epoch)
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train(params, epochs=3, criterion=StepCounter(interrupt_in_epoch_two), checkpoint=tmp_path / "cut.pt")
    assert iu.load_checkpoint(tmp_path / "cut.pt")["epoch"] == 1

    resumed = train(params, epochs=3, checkpoint=tmp_path / "cut.pt")
    assert resumed.trained_epochs == 2
    assert resumed.history["g_losses"] == uninterrupted.history["g_losses"]
    assert same_weights(resumed.g, uninterrupted.g) and same_weights(resumed.d, uninterrupted.d)


def test_finished_run_is_loaded_not_retrained_unless_asked(params):
    first = train(params, epochs=1)
    no_step = StepCounter(lambda step: pytest.fail("retrained a finished run"))
    again = train(params, epochs=1, criterion=no_step)
    assert again.trained_epochs == 0 and same_weights(again.g, first.g)
    with pytest.raises(ValueError, match="holds 1 epochs of bce, more than the 0 asked for"):
        train(params, epochs=0, criterion=no_step)
    assert train(dataclasses.replace(params, retrain=True), epochs=1).trained_epochs == 1


class NanAfter(nn.Module):
    """BCE until ``steps`` calls of the D loss, then NaN."""

    def __init__(self, steps):
        super().__init__()
        self.calls, self.steps = 0, steps

    def forward(self, out, target):
        self.calls += 1
        loss = nn.functional.binary_cross_entropy(out, target)
        return loss * float("nan") if self.calls > 3 * self.steps else loss


def test_non_finite_loss_stops_training_and_keeps_the_last_good_checkpoint(params):
    good = train(params, epochs=1)
    before = good.checkpoint.read_bytes()
    with pytest.raises(FloatingPointError, match=r"non-finite loss at epoch 2, step 1.*last good checkpoint \(epoch 1\)"):
        train(params, epochs=2, criterion=NanAfter(steps=0))  # the resumed epoch 2 fails at once
    assert good.checkpoint.read_bytes() == before


def test_checkpoint_of_other_parameters_names_the_mismatch(params):
    train(params, epochs=1)
    with pytest.raises(ValueError, match=r"LR=0.0001 \(now 0.001\).*RETRAIN=True"):
        train(dataclasses.replace(params, lr=1e-3), epochs=1)
    with pytest.raises(ValueError, match=r"IMAGE_SIZE=64 \(now 32\)"):
        train(dataclasses.replace(params, image_size=32), epochs=1)


def test_checkpoint_of_another_architecture_names_the_layer(params):
    result = train(params, epochs=1)
    state = iu.load_checkpoint(result.checkpoint)
    state["generator"]["conv1.weight"] = torch.zeros(32, 4, 5, 5)
    torch.save(state, result.checkpoint)
    expected = r"another architecture .* conv1.weight: expected \(64, 4, 5, 5\), found \(32, 4, 5, 5\)"
    with pytest.raises(ValueError, match=expected):
        train(params, epochs=1)


def test_truncated_checkpoint_is_a_clear_error(params):
    result = train(params, epochs=1)
    data = result.checkpoint.read_bytes()
    result.checkpoint.write_bytes(data[: len(data) // 3])
    with pytest.raises(RuntimeError, match="not a readable checkpoint.*RETRAIN=True"):
        train(params, epochs=1)


def test_crash_while_saving_leaves_the_previous_checkpoint_whole(params, monkeypatch):
    result = train(params, epochs=1)
    before = result.checkpoint.read_bytes()

    def crash(obj, f):
        f.write(b"half a checkpoint")
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", crash)
    with pytest.raises(OSError, match="disk full"):
        train(params, epochs=2)
    assert result.checkpoint.read_bytes() == before
    assert [p.name for p in result.checkpoint.parent.iterdir()] == [result.checkpoint.name]


def test_comparison_needs_the_checkpoints_and_names_the_notebook(params):
    with pytest.raises(FileNotFoundError, match=r"no checkpoint for the BCE run .* notebooks/02_baseline_bce.ipynb"):
        iu.load_trained(params)
    for run in iu.RUNS:
        iu.train_gan(run, iu.CRITERIA[run](), params, train_images=TRAIN, val_images=VAL,
                     checkpoint=iu.checkpoints_dir(params) / f"{run}.pt", epochs=1)
    state = iu.load_checkpoint(iu.checkpoints_dir(params) / "l2.pt")
    state["epochs"] = 10
    torch.save(state, iu.checkpoints_dir(params) / "l2.pt")
    with pytest.raises(RuntimeError, match=r"L2 run .* stopped after epoch 1 of 10: rerun notebooks/03_loss_experiments"):
        iu.load_trained(params)


@pytest.mark.filterwarnings("ignore:AMP=True on a CPU")
@pytest.mark.parametrize("option", ["amp", "channels_last", "fused_adam"])
def test_speed_options_train(params, option):
    p = dataclasses.replace(params, **{option: True})
    images = TRAIN[:2]  # one small batch: bf16 is slow on CPUs without native support
    result = iu.train_gan("bce", nn.BCELoss(), p, train_images=images, val_images=VAL,
                          checkpoint=iu.checkpoints_dir(p) / "bce.pt", epochs=1)
    assert not same_weights(result.g, iu.Generator())
    assert all(x == x for x in result.history["g_losses"] + result.history["d_losses"])


def test_the_protocol_benchmark_times_the_bce_run_on_a_stand_in_in_the_hubs_schema(output_root, monkeypatch, tmp_path):
    from benchmarks import protocol_speed

    monkeypatch.setenv("INPAINT_OUTPUT_ROOT", str(output_root))  # the benchmark points it at its own folder
    protocol_speed.main(["--device", "cpu", "--epochs", "2", "--images", "40", "--json", str(tmp_path / "p.json")])
    figures = json.loads((tmp_path / "p.json").read_text())
    assert figures["splits"] == {"train": 32, "validation": 4, "test": 4} and figures["steps_per_epoch"] == 4
    assert len(figures["epoch_seconds"]) == 2 and figures["gpu_utilisation_percent"] is None
    assert figures["estimate_50_epochs_min"] == pytest.approx(50 * 1174 * figures["ms_per_step"] / 1000 / 60)
