"""Models: the seed's networks, layer for layer (state_dict keys too, so its .pt files load)."""

import pandas as pd
import torch
import torch.nn as nn


class Generator(nn.Module):
    """Encoder, dilated middle, decoder; input RGB + mask (4 channels), output RGB in (0, 1).

    4x64x64 -> 64x64x64 -> 128x32x32 -> 256x16x16 -> 256x16x16 -> (dilation 2) 256x14x14
    -> (dilation 4) 256x8x8 -> 256x8x8 -> 128x16x16 -> 128x16x16 -> 64x32x32 -> 64x64x64
    -> 64x64x64 -> 3x64x64. Batch norm follows each ReLU, as in the seed. 3,647,043 parameters.
    """

    def __init__(self, im_channels: int = 3):
        super().__init__()
        self.conv1 = nn.Conv2d(im_channels + 1, 64, 5, stride=1, padding=2)
        self.conv2 = nn.Conv2d(64, 128, 3, stride=2, padding=1)
        self.conv3 = nn.Conv2d(128, 256, 3, stride=2, padding=1)
        self.conv4 = nn.Conv2d(256, 256, 3, stride=1, padding=1)
        self.conv5 = nn.Conv2d(256, 256, 3, stride=1, padding=1, dilation=2)
        self.conv6 = nn.Conv2d(256, 256, 3, stride=1, padding=1, dilation=4)
        self.conv7 = nn.Conv2d(256, 256, 3, stride=1, padding=1)
        self.deconv8 = nn.ConvTranspose2d(256, 128, 4, stride=2, padding=1)
        self.conv9 = nn.Conv2d(128, 128, 3, stride=1, padding=1)
        self.deconv10 = nn.ConvTranspose2d(128, 64, 4, stride=2, padding=1)
        self.deconv11 = nn.ConvTranspose2d(64, 64, 4, stride=2, padding=1)
        self.conv12 = nn.Conv2d(64, 64, 3, stride=1, padding=1)
        self.conv13 = nn.Conv2d(64, 3, 3, stride=1, padding=1)
        for i, width in enumerate((64, 128, 256, 256, 256, 256, 256, 128, 128, 64, 64, 64), start=1):
            setattr(self, f"bn{i}", nn.BatchNorm2d(width))
        self.relu = nn.ReLU()
        self.sig = nn.Sigmoid()

    def forward(self, x):
        layers = (self.conv1, self.conv2, self.conv3, self.conv4, self.conv5, self.conv6,
                  self.conv7, self.deconv8, self.conv9, self.deconv10, self.deconv11, self.conv12)
        for i, layer in enumerate(layers, start=1):
            x = getattr(self, f"bn{i}")(self.relu(layer(x)))
        return self.sig(self.conv13(x))


class Discriminator(nn.Module):
    """A CNN classifier, real (1) or inpainted (0): four conv + avg-pool stages, global
    average pooling, five linear layers, sigmoid. 3x64x64 -> 64x32x32 -> 128x16x16 -> 256x8x8
    -> 512x4x4 -> 512 -> 512 -> 512 -> 256 -> 10 -> 1. 2,212,117 parameters.
    """

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, kernel_size=3, stride=1, padding=1)
        self.conv2 = nn.Conv2d(64, 128, kernel_size=3, stride=1, padding=1)
        self.conv3 = nn.Conv2d(128, 256, kernel_size=3, stride=1, padding=1)
        self.conv4 = nn.Conv2d(256, 512, kernel_size=3, stride=1, padding=1)
        self.bn1 = nn.BatchNorm2d(64)
        self.bn2 = nn.BatchNorm2d(128)
        self.bn3 = nn.BatchNorm2d(256)
        self.bn4 = nn.BatchNorm2d(512)
        self.fc1 = nn.Linear(512, 512)
        self.fc2 = nn.Linear(512, 512)
        self.fc3 = nn.Linear(512, 256)
        self.fc4 = nn.Linear(256, 10)
        self.fc5 = nn.Linear(10, 1)
        self.down_sample = nn.AvgPool2d(2)
        self.global_pool = nn.AdaptiveAvgPool2d((1, 1))
        self.relu = nn.ReLU()
        self.sigmoid = nn.Sigmoid()

    def forward(self, x):
        for conv, bn in ((self.conv1, self.bn1), (self.conv2, self.bn2),
                         (self.conv3, self.bn3), (self.conv4, self.bn4)):
            x = bn(self.relu(self.down_sample(conv(x))))
        x = torch.flatten(self.global_pool(x), 1)  # the seed's .view(), which channels_last breaks
        for fc in (self.fc1, self.fc2, self.fc3, self.fc4):
            x = self.relu(fc(x))
        return self.sigmoid(self.fc5(x))


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


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
