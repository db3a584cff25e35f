#!/usr/bin/env python3
"""Draw the app icons (pwa/icons/): a white MPP hall (roof, columns, steps) on the app's blue.

    .venv/bin/python scripts/make_icons.py

The same shapes as pwa/icons/icon.svg, so every size looks alike. The maskable icon keeps the hall inside
the central 80 % "safe zone" (launchers crop it to a circle or a squircle) on a full-bleed background.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

BLUE = (11, 92, 173, 255)  # --blue / theme_color #0b5cad
WHITE = (255, 255, 255, 255)
OUT = Path(__file__).resolve().parent.parent / "pwa" / "icons"


def hall(draw: ImageDraw.ImageDraw, size: int, scale: float) -> None:
    """The hall on a 100-unit grid centred in the image, `scale` of its width."""
    unit = size * scale / 100
    off = (size - 100 * unit) / 2

    def p(x: float, y: float) -> tuple[float, float]:
        return (off + x * unit, off + y * unit)

    draw.polygon([p(50, 14), p(88, 36), p(12, 36)], fill=WHITE)  # roof
    draw.rectangle([p(16, 40), p(84, 45)], fill=WHITE)  # beam
    for x in (20, 36, 56, 72):  # columns
        draw.rectangle([p(x, 48), p(x + 8, 74)], fill=WHITE)
    draw.rectangle([p(14, 77), p(86, 82)], fill=WHITE)  # steps
    draw.rectangle([p(10, 85), p(90, 90)], fill=WHITE)


def icon(size: int, *, maskable: bool) -> Image.Image:
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if maskable:
        draw.rectangle([0, 0, size, size], fill=BLUE)
        hall(draw, size, 0.62)
    else:
        draw.rounded_rectangle([0, 0, size - 1, size - 1], radius=size * 0.18, fill=BLUE)
        hall(draw, size, 0.8)
    return image


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    icon(192, maskable=False).save(OUT / "icon-192.png", optimize=True)
    icon(512, maskable=False).save(OUT / "icon-512.png", optimize=True)
    icon(512, maskable=True).save(OUT / "icon-maskable-512.png", optimize=True)


if __name__ == "__main__":
    main()
