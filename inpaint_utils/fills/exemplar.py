"""Exemplar synthesis: PatchMatch fills a hole with the photo's own patches, at its full resolution.
It fills photos for the removal command (``--method patchmatch``), not the 64x64 tables."""

import logging

from .classical import Classical

PATCHMATCH_PACKAGE = "pypatchmatch==2.2.0"  # requirements.lock's pin
PATCHMATCH_PATCH = 5  # the radius of its patches: 11x11 pixels
SMALL_PATCH = 3  # 7x7 patches for crops of a few dozen pixels, where 11x11 ones are a sixth of the crop
PATCHMATCH_SEED = 1212  # the package's own default seed, set at every call


def patchmatch_inpaint():
    """PyPatchMatch's ``patch_match`` module, imported on first use. Where the package or its native
    library cannot load, an ImportError of one line that names the package, why, and how to install
    it. Only a missing package fails the import: a library that does not load is logged by the
    package (kept off stderr here, so that the error is said once) and leaves ``patchmatch_available``
    False; loading it again gives the reason."""
    logger, quiet = logging.getLogger("patchmatch"), logging.NullHandler()
    logger.addHandler(quiet)
    propagate, logger.propagate = logger.propagate, False
    try:
        from patchmatch import patch_match
        if patch_match.patchmatch_available:
            return patch_match
        reason = "its native library did not load"
        patch_match.load_library()  # raises what the package's import caught
    except (ImportError, OSError, AttributeError) as e:
        reason = (str(e).strip().splitlines() or [type(e).__name__])[0].split(". ")[0][:200]
    finally:
        logger.removeHandler(quiet)
        logger.propagate = propagate
    raise ImportError(f"PatchMatch needs the package PyPatchMatch ({reason}); install it with "
                      f"`python -m pip install --force-reinstall --no-deps {PATCHMATCH_PACKAGE}` (wheels for Linux, "
                      "macOS and Windows carry the library; elsewhere pip builds it, with a C++ compiler, CMake and OpenCV)")


def _patchmatch(img, hole, patch=PATCHMATCH_PATCH):
    """PatchMatch (Barnes et al., SIGGRAPH 2009; PyPatchMatch): the randomized search finds, for
    every 11x11 patch over the hole, the most alike patch of the known pixels; each hole pixel
    becomes the similarity-weighted vote of the patches that cover it, coarse to fine (Wexler et
    al.'s expectation-maximization). So the fill is made of the photo's own texture at full
    resolution, not a diffusion. ``hole``: non-zero marks it; the pixels under it are never read.
    The search restarts from a fixed seed at every call: equal inputs give equal fills, in every
    process and in threads at once (the library seeds a random engine of the calling thread from the
    process-wide seed at each call; ``removal/remover.py`` fills a photo's holes in threads)."""
    patch_match = patchmatch_inpaint()
    patch_match.set_random_seed(PATCHMATCH_SEED)  # a process-wide value in the package: set, not assumed
    return patch_match.inpaint(img, hole, patch_size=patch)


def _small_patchmatch(img, hole):
    return _patchmatch(img, hole, SMALL_PATCH)


EXEMPLAR = {  # id (a --method of the removal command) -> method; at a photo's resolution only, not in the tables
    "patchmatch": Classical.image_by_image("PatchMatch", _patchmatch),
}
SMALL_EXEMPLAR = Classical.image_by_image("PatchMatch, 7x7 patches", _small_patchmatch)  # the fill gate's candidate
