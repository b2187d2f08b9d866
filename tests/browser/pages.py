"""Helpers of the browser tests: screenshots at two widths, and waiting for pages."""

from pathlib import Path

SCREENSHOTS = Path(__file__).parent / "screenshots"
DESKTOP = {"width": 1366, "height": 900}  # the laptop width most of our users have
PHONE = {"width": 390, "height": 844}


def next_frames(page) -> None:
    """Wait until the browser has laid out and painted twice: a new viewport size has taken
    effect (the site has no transitions on resize), without a fixed sleep."""
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def screenshot(page, name: str) -> None:
    """The page at desktop and at phone width, in the page's language."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.mouse.move(0, 0)  # no hover effect in the pictures
    for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(viewport)
        next_frames(page)
        # A dialog is fixed over the page: the window shows it as the user sees it.
        dialog_open = page.locator("#dialog.show").count() > 0
        page.screenshot(
            path=SCREENSHOTS / f"{page.language}-{label}-{name}.png",
            full_page=not dialog_open,
        )
    page.set_viewport_size(DESKTOP)
    next_frames(page)
