"""A photo's edges, as the structure stage draws them and the structure benchmark measures them:
grey levels, blurred, OpenCV's Canny. One definition, so that the edge generator is trained on the
edges the benchmark scores."""

import cv2
import numpy as np

EDGE_SIGMA = 2.0  # Gaussian blur before Canny (EdgeConnect's skimage Canny uses sigma 2)
# OpenCV's Canny on the blurred grey image, thresholds on its 3x3 Sobel magnitude (8 times a level
# per pixel): a step of about 20 grey levels after the blur is an edge, grain and noise are not.
CANNY_LOW, CANNY_HIGH = 24, 60


def canny_edges(image: np.ndarray) -> np.ndarray:
    """bool edge map of ``image`` (uint8 HxWx3 or HxW) at its own scale: grey, blurred, Canny."""
    grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    blurred = cv2.GaussianBlur(grey, (0, 0), EDGE_SIGMA)
    return cv2.Canny(blurred, CANNY_LOW, CANNY_HIGH, L2gradient=True) > 0
