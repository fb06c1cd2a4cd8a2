"""One-off probes: each answered a question once (why the release model learns no correction, how
much more photos buy, what the fill gate can gain), and its finding is written in the docs where it
was asked (docs/release-model.md, docs/removal.md). Kept runnable, so that a finding can be checked;
not benchmarks the README runs or anything depends on."""
