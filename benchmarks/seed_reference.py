"""The seed notebook's data path and training step, kept as the reference we measure against.

Copied from the seed (sections 3.1, 3.2, 3.3, 3.5 and the body of ``train`` in 4.3) with only
what running it outside Colab needs: ``device`` is an argument, and the images are decoded when
the dataset indexes them, as a ``datasets`` image column does. The networks are
``inpaint_utils.Generator`` and ``Discriminator``, which are the seed's layer for layer.
"""

import io
from copy import deepcopy

import torch
from PIL import Image
from torch.utils.data import DataLoader, Dataset
from torchvision.transforms import v2


def create_masks(num_masks):
    hole_size = 20
    im_size = 64

    x = int((im_size - hole_size) / 2.0)
    y = int((im_size - hole_size) / 2.0)
    mask = torch.zeros((1, im_size, im_size))
    mask[0, y : y + hole_size, x : x + hole_size] = 1
    masks = mask.repeat_interleave(num_masks, dim=0)

    return masks.unsqueeze(1)


class CatDataset(Dataset):
    def __init__(self, all_imgs, transforms=None) -> None:
        super().__init__()
        self.transforms = transforms
        self.all_imgs = all_imgs

    def __len__(self):
        return len(self.all_imgs)

    def __getitem__(self, index):
        image = self.all_imgs[index]

        # 1. Transform the image as needed
        transformed_img = self.transforms(image)

        if transformed_img.shape[0] == 1:
            transformed_img = transformed_img.repeat(3, 1, 1)

        # 2. Create copy of image before masking
        ground_truth_image = deepcopy(transformed_img)

        # 3. Create center mask depending of transformed image
        mask = create_masks(1)[0]
        transformed_img = (1 - mask) * transformed_img

        return transformed_img, ground_truth_image


transforms = v2.Compose([
    v2.Compose([v2.ToImage(), v2.ToDtype(torch.float32, scale=True)]),
    v2.Resize(size=(64, 64))
])


class DecodedOnAccess:
    """A list of encoded images that decodes one on each access, like a ``datasets`` column."""

    def __init__(self, encoded: list[bytes]):
        self.encoded = encoded

    def __len__(self):
        return len(self.encoded)

    def __getitem__(self, index):
        image = Image.open(io.BytesIO(self.encoded[index]))
        image.load()
        return image


def seed_loader(encoded: list[bytes], batch_size: int = 8) -> DataLoader:
    """The seed's training loader: CatDataset over per-access decoding, batch 8, shuffled."""
    return DataLoader(CatDataset(DecodedOnAccess(encoded), transforms=transforms),
                      batch_size=batch_size, shuffle=True)


def seed_step(g, d, batch, criterion, optimizer_g, optimizer_d, device):
    """One iteration of the seed's ``train`` loop; returns (d_err, g_err) as the seed logged them."""
    im_masked, im_truth = batch

    # Move data to GPU
    im_masked = im_masked.to(device)
    im_truth = im_truth.to(device)

    # Add the masks as a separate channel
    N = batch[0].shape[0]
    masks = create_masks(N).to(device)
    im_masked = torch.cat((im_masked, masks), dim=1)

    # --- Train Discriminator ---
    d.zero_grad()

    # Train discriminator with ground truth images
    outputs = d(im_truth).view(-1)
    true_labels = torch.ones(N).to(device)
    d_err = criterion(outputs, true_labels)

    # Train discriminator with fake images
    fake_im = g(im_masked)
    inpainted = fake_im * masks[0] + im_masked[:, :3, :, :]
    output = d(inpainted.detach()).view(-1)
    fake_labels = torch.zeros(N).to(device)
    d_err += criterion(output, fake_labels)

    d_err.backward()
    optimizer_d.step()

    # --- Train Generator ---
    g.zero_grad()

    fake_im = g(im_masked)
    inpainted = fake_im * masks[0] + im_masked[:, :3, :, :]
    outputs = d(inpainted).view(-1)

    g_err = criterion(outputs, true_labels)
    g_err.backward()
    optimizer_g.step()

    return d_err.item(), g_err.item()
