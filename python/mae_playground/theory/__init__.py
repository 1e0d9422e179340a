"""The theory experiment (issue 17): a synthetic world with a known latent hierarchy, small MAEs trained on it
at several masking ratios and patch sizes, and linear probes that measure which latent level each one recovers.

    PYTHONPATH=python /usr/bin/python3 -m mae_playground.theory.run

`world` is the generator (the same in src/features/theory/world.ts), `experiment` trains and probes,
`report` writes docs/THEORY.md and its chart from models/theory/results.json.

Issue 26 (docs/THEORY.md): `hworld` (four latent levels, a tree), `predict` (what the theory predicts, computed
from the tree and the masks, before training), `hexperiment` + `hrun` (train until the held-out loss flattens,
linear and MLP probes; resumable), `hpack` (progress into python/weights/theory-run/), `hexport` (seed-0 models
for the app), `hreport` (results.json and the verdicts). `bash scripts/theory-pack.sh` runs the last three.
"""
