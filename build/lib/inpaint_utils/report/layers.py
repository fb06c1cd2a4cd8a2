"""A network's layers as a table, for the notebooks that show the seed's generator and discriminator."""

import pandas as pd
import torch
import torch.nn as nn

from ..networks.gan import count_parameters


def layer_table(model: nn.Module, input_shape: tuple) -> pd.DataFrame:
    """Each layer's output shape and parameter count for one input of ``input_shape``."""
    rows, hooks = [], []
    for name, module in model.named_children():
        if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            hooks.append(module.register_forward_hook(
                lambda m, i, o, name=name: rows.append((name, "x".join(map(str, o.shape[1:])), count_parameters(m)))))
    was_training = model.training
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, *input_shape))
    model.train(was_training)
    for h in hooks:
        h.remove()
    table = pd.DataFrame(rows, columns=["layer", "output", "parameters"]).set_index("layer")
    table.loc["all (with batch norms)"] = ["", count_parameters(model)]
    return table
