"""The photo corpus: real photographs from two Debian packages, fetched once and checked by hash
(the command: ``python -m inpaint_utils.corpus``, ``inpaint_utils/corpus.py``).

Why: the cat data set needs the Hugging Face hub, and scikit-image ships only a handful of photos.
Debian's archive carries free (GPL-2+) photographs in two packages, ``mate-backgrounds`` (its
nature photos) and ``plasma-workspace-wallpapers`` (its photographs, not its drawn or rendered
wallpapers; one size per wallpaper, the largest). They are fetched with ``apt-get download`` and
unpacked with ``dpkg-deb -x`` into a temporary folder under ``<output root>/data/corpus/``; nothing
is installed. Each photo lands as ``data/corpus/<package>/<name>.<ext>``, so names stay unique.

``corpus_manifest.csv`` beside this file lists every photo by name: package, version, path inside
the package, sha256, size, licence (from the package's ``copyright`` file; the KDE wallpapers'
own metadata.json, which says LGPLv3, is kept in ``note``) and its split, decided once there, so
every machine trains and tests on the same bytes, and a changed file is refused by name.
With ``--photos``, a user's own folder stands in: nothing is hashed, all train but ``--heldout``.
"""

import csv
import hashlib
import json
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, fields
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

from ..core.paths import (
    atomic_write,
    atomic_write_text,
    display_path,
    output_root,
    writable_dir,
)
from .photos import PHOTO_SUFFIXES

__all__ = ["MANIFEST", "SPLITS", "CorpusError", "Entry", "build_corpus", "corpus_dir", "corpus_photos",
           "read_manifest"]

MANIFEST = Path(__file__).with_name("corpus_manifest.csv")
SPLITS = ("train", "heldout")
COMMAND = "python -m inpaint_utils.corpus"
CHOICE = "photos.json"  # in the corpus folder: the user's own folder, standing in for the Debian photos
POOL = "http://deb.debian.org/debian/pool/main"  # Debian 12 (bookworm) holds the manifest's versions


class CorpusError(RuntimeError):
    """The corpus cannot be built or used; the one-line message names the file and what to do."""


@dataclass(frozen=True)
class Entry:
    """One row of the manifest: a photo and where it comes from."""

    name: str  # unique; the photo's file name in the corpus, less its suffix
    split: str  # "train" or "heldout"
    scene: str  # a word: flowers, insects, water, landscape, texture, ...
    subject: str
    package: str
    version: str
    path: str  # inside the package
    sha256: str
    size: str  # width x height, as stored
    licence: str  # from usr/share/doc/<package>/copyright
    copyright: str  # its holders, as that file names them
    note: str

    @property
    def filename(self) -> str:
        return self.name + PurePosixPath(self.path).suffix.lower()


COLUMNS = tuple(f.name for f in fields(Entry))


def read_manifest(path=None) -> list[Entry]:
    """The manifest's rows, checked: its columns, unique safe names, 64-hex sha256, a known split."""
    path = Path(path or MANIFEST)
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise CorpusError(f"{path} has the columns {reader.fieldnames}, expected {list(COLUMNS)}")
        entries = []
        for row in reader:
            if None in row or None in row.values():
                raise CorpusError(f"{path}, line {reader.line_num}: needs exactly {len(COLUMNS)} columns")
            entries.append(Entry(**row))
    seen = set()
    for line, e in enumerate(entries, start=2):
        checks = {"a unique name of letters, digits, _ . -": re.fullmatch(r"[\w.-]+", e.name) and e.name not in seen,
                  "a sha256 of 64 hex digits": re.fullmatch(r"[0-9a-f]{64}", e.sha256),
                  f"a split in {SPLITS}": e.split in SPLITS,
                  "a size WIDTHxHEIGHT": re.fullmatch(r"[1-9]\d*x[1-9]\d*", e.size),
                  "a package, a version and a licence": e.package and e.version and e.licence,
                  "a relative path inside the package": e.path and not e.path.startswith("/")
                  and ".." not in PurePosixPath(e.path).parts}
        for needs, ok in checks.items():
            if not ok:
                raise CorpusError(f"{path}, line {line} ({e.name!r}): needs {needs}")
        seen.add(e.name)
    return entries


def corpus_dir(root=None) -> Path:
    """``<root>/data/corpus``; ``root`` is the output root (default: ``paths.output_root()``)."""
    return Path(root if root is not None else output_root()) / "data" / "corpus"


def corpus_photos(split: str = "train", root=None, *, manifest=None) -> list[Path]:
    """The corpus's photos of ``split`` ("train" or "heldout"), sorted, each checked against the
    manifest's sha256 (about 0.1 s for all). Read them with ``photos.read_photo`` (EXIF-upright).

    Where ``--photos FOLDER`` chose the user's own folder, its photos instead, unchecked: all train
    but those named held out (none: an empty held-out list)."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    folder = corpus_dir(root)
    if (folder / CHOICE).is_file():
        saved = json.loads((folder / CHOICE).read_text(encoding="utf-8"))
        source, heldout = Path(saved["photos"]), set(saved["heldout"])
        if not source.is_dir():
            raise FileNotFoundError(f"the photo folder {source}, chosen by `{COMMAND} --photos`, is gone: "
                                    f"choose another with --photos, or run `{COMMAND}` for the Debian photos")
        names = _own_photos(source)
        if heldout - set(names):
            raise FileNotFoundError(f"held-out photos {sorted(heldout - set(names))} are no longer in {source}: "
                                    f"run `{COMMAND} --photos {source}` again with the --heldout names you want")
        return [source / n for n in names if (n in heldout) == (split == "heldout")]
    entries = [e for e in read_manifest(manifest) if e.split == split]
    missing = [e.name for e in entries if not _photo_path(e, root).is_file()]
    if missing:
        raise FileNotFoundError(f"the photo corpus lacks {len(missing)} of its {len(entries)} {split} photos "
                                f"({', '.join(missing[:3])}{', ...' if len(missing) > 3 else ''}) under "
                                f"{display_path(folder)}: run `{COMMAND}` to fetch them")
    for e in entries:
        _check(e, _photo_path(e, root))
    return sorted(_photo_path(e, root) for e in entries)


def build_corpus(root=None, *, photos=None, heldout=(), debs=None, manifest=None) -> list[Path]:
    """Make the corpus ready, idempotently, and return all its photos.

    Photos already there are only verified; missing ones are fetched, one download per package,
    checked, and written atomically; a changed file is refused by name. ``debs``: a folder with
    the .deb files (or their ``dpkg-deb -x`` trees) instead of ``apt-get download``.
    ``photos``: a folder of the user's own photos replaces the Debian ones (``heldout``: names,
    relative to it, kept out of training); building without it returns to the Debian photos."""
    folder = writable_dir(corpus_dir(root))
    if photos is not None:
        return _choose_own_photos(folder, Path(photos).expanduser().resolve(), set(heldout))
    if heldout:
        raise CorpusError("--heldout names photos of a --photos folder; the Debian photos' split is fixed "
                          f"in {MANIFEST.name}")
    if (folder / CHOICE).is_file():
        print(f"corpus: back to the Debian photos (no longer {json.loads((folder / CHOICE).read_text())['photos']})")
        (folder / CHOICE).unlink()
    entries = read_manifest(manifest)
    missing = [e for e in entries if not _photo_path(e, root).is_file()]
    for e in entries:
        if _photo_path(e, root).is_file():
            _check(e, _photo_path(e, root))
    if missing:
        _remove_leftovers(folder)
        work = folder / f".fetch-{os.getpid()}"
        try:
            for package, version in dict.fromkeys((e.package, e.version) for e in missing):
                wanted = [e for e in missing if e.package == package]
                tree, got = _unpacked(package, version, work / package, debs, entries)
                for e in wanted:
                    source = tree / e.path
                    if not source.is_file():
                        raise CorpusError(f"{package} {got} has no {e.path} ({e.name}): {_by_hand(entries)}")
                    _check(e, source, f"{package} {got}", entries)
                    with open(source, "rb") as src:
                        atomic_write(_photo_path(e, root), lambda f: shutil.copyfileobj(src, f))
                shutil.rmtree(work / package, ignore_errors=True)
                print(f"corpus: {len(wanted)} photos from {package} {got}")
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return sorted(_photo_path(e, root) for e in entries)


def _photo_path(entry: Entry, root=None) -> Path:
    return corpus_dir(root) / entry.package / entry.filename


def _sha256(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _check(entry: Entry, path: Path, package: str | None = None, entries=()) -> None:
    """Refuse a file whose bytes are not the manifest's, naming it; ``package``: the package and
    version it was taken from (another version than the manifest's, where the archive moved on)."""
    digest = _sha256(path)
    if digest == entry.sha256:
        return
    if package:
        raise CorpusError(f"{entry.name} ({entry.path}) in {package} differs from the manifest's "
                          f"{entry.package} {entry.version} (sha256 {digest[:12]}..., expected "
                          f"{entry.sha256[:12]}...): {_by_hand(entries)}")
    raise CorpusError(f"{display_path(path)} ({entry.name}) has changed: sha256 {digest[:12]}..., the manifest says "
                      f"{entry.sha256[:12]}...; delete it and run `{COMMAND}` to fetch it again")


def _by_hand(entries) -> str:
    """What to download by hand and where it goes, for an error message."""
    packages = dict.fromkeys((e.package, e.version) for e in entries)
    urls = ", ".join(f"{POOL}/{p[0]}/{p}/{p}_{v.partition(':')[2] or v}_all.deb" for p, v in packages)
    return (f"download the Debian 12 packages {' and '.join(f'{p} {v}' for p, v in packages)} ({urls}) into a "
            f"folder, or unpack them there (dpkg-deb -x FILE FOLDER), and run `{COMMAND} --debs FOLDER`; "
            f"nothing is installed, the photos are copied into the output root's data/corpus/")


def _unpacked(package: str, version: str, work: Path, debs, entries) -> tuple[Path, str]:
    """The folder holding ``package``'s files, and the version they are: from ``debs`` (a .deb,
    or a tree unpacked by hand), else from ``apt-get download``."""
    if debs is not None:
        debs = Path(debs).expanduser()
        found = sorted(debs.glob(f"{package}_*.deb"))
        exact = [d for d in found if _deb_version(d) == version]
        if exact or found:
            return _unpack((exact or found)[0], work), _deb_version((exact or found)[0])
        if any((debs / e.path).is_file() for e in entries if e.package == package):
            return debs, version  # unpacked by hand; the hashes decide
        raise CorpusError(f"{debs} holds neither {package}_*.deb nor its unpacked files: {_by_hand(entries)}")
    deb = _download(package, version, work, entries)
    return _unpack(deb, work / "tree"), _deb_version(deb)


def _deb_version(deb: Path) -> str:
    """The version in a .deb's name, as apt-get download names it (name_version_arch.deb, %3a for :)."""
    parts = deb.name.split("_")
    return unquote(parts[1]) if len(parts) == 3 else "?"


def _download(package: str, version: str, folder: Path, entries) -> Path:
    """``apt-get download`` the manifest's version, else the archive's current one (its photos are
    then checked against the manifest like any other)."""
    if shutil.which("apt-get") is None:
        raise CorpusError(f"apt-get is not here to download {package}: {_by_hand(entries)}")
    folder.mkdir(parents=True, exist_ok=True)
    start, errors = time.perf_counter(), []
    for spec in (f"{package}={version}", package):
        done = subprocess.run(["apt-get", "download", spec], cwd=folder, capture_output=True, text=True)
        found = sorted(folder.glob(f"{package}_*.deb"))
        if done.returncode == 0 and found:
            print(f"corpus: downloaded {found[0].name} ({found[0].stat().st_size / 1e6:.0f} MB, "
                  f"{time.perf_counter() - start:.0f} s)")
            return found[0]
        lines = [line for line in (done.stderr or done.stdout).splitlines() if line.strip()]
        errors.append(lines[-1].strip() if lines else f"exit status {done.returncode}")
    raise CorpusError(f"the Debian archive cannot be reached (apt-get download {package}={version}: {errors[0]}); "
                      f"{_by_hand(entries)}")


def _unpack(deb: Path, folder: Path) -> Path:
    if shutil.which("dpkg-deb") is None:
        raise CorpusError(f"dpkg-deb is not installed to unpack {deb.name}: install dpkg (apt-get, dnf or brew "
                          f"install dpkg), or unpack its data.tar.* by hand into a folder and run "
                          f"`{COMMAND} --debs FOLDER`")
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["dpkg-deb", "-x", str(deb), str(folder)], capture_output=True, text=True)
    if done.returncode:
        lines = done.stderr.strip().splitlines() or [f"exit status {done.returncode}"]
        raise CorpusError(f"dpkg-deb could not unpack {deb} ({lines[-1]})")
    return folder


def _remove_leftovers(folder: Path) -> None:
    """Delete the download folders of killed runs (.fetch-<pid> of a process that is gone)."""
    for path in folder.glob(".fetch-*"):
        pid = path.name.removeprefix(".fetch-")
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, as another user's
        pass
    return True


def _own_photos(source: Path) -> list[str]:
    """The photo files under ``source``, as sorted relative names; hidden files and folders left out."""
    if not source.is_dir():
        raise CorpusError(f"--photos {source} is not a folder")
    names = sorted(p.relative_to(source).as_posix() for p in source.rglob("*")
                   if p.suffix.lower() in PHOTO_SUFFIXES and p.is_file()
                   and not any(part.startswith(".") for part in p.relative_to(source).parts))
    if not names:
        raise CorpusError(f"--photos {source} holds no photos ({', '.join(sorted(PHOTO_SUFFIXES))})")
    return names


def _choose_own_photos(folder: Path, source: Path, heldout: set[str]) -> list[Path]:
    names = _own_photos(source)
    if heldout - set(names):
        raise CorpusError(f"--heldout {' '.join(sorted(heldout - set(names)))}: not among the photos of {source} "
                          f"(give names relative to it, e.g. {names[0]})")
    if heldout >= set(names):
        raise CorpusError(f"--heldout names every photo of {source}: keep some for training")
    atomic_write_text(folder / CHOICE, json.dumps({"photos": str(source), "heldout": sorted(heldout)}, indent=1))
    return [source / n for n in names]
