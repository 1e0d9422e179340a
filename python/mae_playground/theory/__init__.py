"""The theory experiment (issue 17): a synthetic world with a known latent hierarchy, small MAEs trained on it
at several masking ratios and patch sizes, and linear probes that measure which latent level each one recovers.

    PYTHONPATH=python /usr/bin/python3 -m mae_playground.theory.run

`world` is the generator (the same in src/features/theory/world.ts), `experiment` trains and probes,
`report` writes docs/THEORY.md and its chart from models/theory/results.json.
"""
