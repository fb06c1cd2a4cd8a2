"""One-off probes: each answered a question once (why the release model learns no correction, how
much more photos buy, what the fill gate can gain), and its finding is written in the docs where it
was asked (docs/release-model.md, docs/removal.md). Kept runnable, so that a finding can be checked;
not benchmarks the README runs or anything depends on."""


def run_weighted(argv, description: str, label: str, fill, weights: list[float]) -> None:
    """The structure benchmark with a row of ``fill(image, hole, weight=w)`` for each ``--weights``
    value (``label`` formatted with it); the benchmark's own arguments come after ``--``."""
    import argparse
    import functools

    import benchmarks.structure as benchmark

    split = argv.index("--") if "--" in argv else len(argv)
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weights", type=float, nargs="+", default=weights)
    args = parser.parse_args(argv[:split])
    benchmark.add_rows({label.format(w): functools.partial(fill, weight=w) for w in args.weights})
    benchmark.main(argv[split + 1:])
