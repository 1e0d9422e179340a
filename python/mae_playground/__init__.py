"""MAE Playground's Python side: the PyTorch MAE, training, evaluation, ONNX export, the official-checkpoint
converter and the model zoo.

Run the scripts as modules of this package from the repository root, e.g.

    PYTHONPATH=python /usr/bin/python3 -m mae_playground.train --out runs/default
"""
