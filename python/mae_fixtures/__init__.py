"""Test fixtures and the files they write (weights in every layout, PyTorch references): not part of
the mae_playground package; the tests, e2e/fixtures/*.py and the benchmarks import them from here."""
