import pytest

import inpaint_utils as iu


def test_profiles_hold_the_seed_protocol_and_the_offline_default():
    full = iu.resolve_params("full")
    assert (full.data, full.bce_epochs, full.loss_epochs) == (iu.HUB_ID, 50, 10)
    assert (full.image_size, full.hole_size, full.batch_size, full.lr) == (64, 20, 8, 1e-4)
    sample = iu.resolve_params("sample")
    assert sample.data == "sample" and sample.name == "sample"
    assert set(iu.profile_names()) >= {"full", "sample", "smoke"}


def test_unknown_profile_lists_the_valid_ones():
    with pytest.raises(ValueError, match=r"unknown profile 'fast'.*full, long, release, release-adv, sample, smoke"):
        iu.resolve_params("fast")


def test_unknown_parameter_lists_the_valid_ones():
    with pytest.raises(ValueError, match=r"unknown parameter name 'EPOCHS'.*BCE_EPOCHS.*LOSS_EPOCHS"):
        iu.resolve_params("sample", {"EPOCHS": 3})


@pytest.mark.parametrize("name, value", [("BCE_EPOCHS", "ten"), ("LR", True), ("AMP", 1), ("DATA", 5)])
def test_wrongly_typed_parameter_is_refused(name, value):
    with pytest.raises(ValueError, match=f"parameter {name} must be"):
        iu.resolve_params("sample", {name: value})


def test_overrides_win_and_ints_are_accepted_for_floats():
    params = iu.resolve_params("sample", {"BCE_EPOCHS": 7, "LR": 1, "RUN_NAME": "mine"})
    assert (params.bce_epochs, params.lr, params.name) == (7, 1.0, "mine")


def test_auto_profile_follows_the_environment(monkeypatch):
    monkeypatch.setenv("INPAINT_PROFILE", "full")
    assert iu.resolve_params("auto").profile == "full"
    monkeypatch.delenv("INPAINT_PROFILE")
    assert iu.resolve_params("auto").profile == "sample"


def test_notebook_params_take_upper_case_globals_and_refuse_misspelt_ones():
    namespace = {"PROFILE": "sample", "BCE_EPOCHS": 4, "LOSS_EPOCHS": None, "iu": iu, "params": None}
    params = iu.notebook_params(namespace)
    assert (params.bce_epochs, params.loss_epochs) == (4, 2)  # None keeps the profile's value
    with pytest.raises(ValueError, match="unknown parameter name 'BCE_EPOCH'"):
        iu.notebook_params({"PROFILE": "sample", "BCE_EPOCH": 4})


def test_image_size_other_than_64_is_refused_with_the_reason():
    with pytest.raises(ValueError, match="IMAGE_SIZE must be 64.*generator maps 64x64 to 64x64 only"):
        iu.resolve_params("sample", {"IMAGE_SIZE": 128})
    with pytest.raises(ValueError, match="HOLE_SIZE must be between 1 and IMAGE_SIZE - 1"):
        iu.resolve_params("sample", {"HOLE_SIZE": 70})


def test_unwritable_output_folder_says_what_to_do(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("INPAINT_OUTPUT_ROOT", str(blocker / "below"))
    with pytest.raises(PermissionError, match="cannot write to .*INPAINT_OUTPUT_ROOT"):
        iu.figures_dir(iu.resolve_params("sample"))


def test_an_override_runs_under_its_own_name_so_the_profiles_outputs_stay_as_they_are():
    assert iu.resolve_params("sample", {"BCE_EPOCHS": 5, "LR": 0.001}).name == "sample-BCE_EPOCHS=5,LR=0.001"
    assert iu.resolve_params("sample", {"BCE_EPOCHS": 3}).name == "sample"  # the profile's own value
    assert iu.resolve_params("sample", {"DEVICE": "cpu", "RETRAIN": True}).name == "sample"  # same results
    assert iu.resolve_params("sample", {"DATA": "/data/my cats.parquet"}).name == "sample-DATA=my_cats.parquet"
    assert iu.resolve_params("sample", {"BCE_EPOCHS": 5, "RUN_NAME": "mine"}).name == "mine"
