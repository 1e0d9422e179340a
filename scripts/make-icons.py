#!/usr/bin/env python3
"""Draws the app icons (public/icons/*.png): a 4x4 patch grid, three quarters of it masked (checker),
the visible patches in colour, as the app shows an image at 75% masking. Run once; the PNGs are committed.

    /usr/bin/python3 scripts/make-icons.py
"""

from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parents[1] / "public" / "icons"
VISIBLE = {(0, 1): (232, 114, 60), (1, 3): (70, 150, 220), (2, 0): (240, 190, 60), (3, 2): (110, 180, 90)}


def icon(size: int, safe_margin: float) -> Image.Image:
    img = Image.new("RGB", (size, size), (24, 28, 36))
    draw = ImageDraw.Draw(img)
    inner = size * (1 - 2 * safe_margin)
    cell = inner / 4
    origin = size * safe_margin
    for r in range(4):
        for c in range(4):
            x0, y0 = origin + c * cell, origin + r * cell
            box = [x0 + 1, y0 + 1, x0 + cell - 2, y0 + cell - 2]
            if (r, c) in VISIBLE:
                draw.rectangle(box, fill=VISIBLE[(r, c)])
            else:  # the app's checker pattern for a hidden patch
                draw.rectangle(box, fill=(92, 96, 104))
                half = cell / 2
                draw.rectangle([x0 + 1, y0 + 1, x0 + half, y0 + half], fill=(140, 144, 152))
                draw.rectangle([x0 + half, y0 + half, x0 + cell - 2, y0 + cell - 2], fill=(140, 144, 152))
    return img


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    icon(192, 0.06).save(OUT / "icon-192.png", optimize=True)
    icon(512, 0.06).save(OUT / "icon-512.png", optimize=True)
    # Maskable: the launcher may crop to a circle, so the grid stays inside the central 80%.
    icon(512, 0.14).save(OUT / "icon-maskable-512.png", optimize=True)
    icon(180, 0.06).save(OUT / "apple-touch-icon.png", optimize=True)


if __name__ == "__main__":
    main()
