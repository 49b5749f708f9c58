"""Checking a report as a page: its structure in Python, and its rendering in headless Chromium."""
from __future__ import annotations

import base64
import json
import shutil
import struct
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
PNG = b"\x89PNG\r\n\x1a\n"

#: Injected into a copy of the report: once the page has loaded, runs the test's own steps (``ACTIONS``), notes the
#: scenario sections left visible, opens every collapsible part and measures every figure, into the DOM.
_PROBE = """<script>
window.addEventListener('load', () => {
  ACTIONS
  const visible = [...document.querySelectorAll('section.scenario')]
    .filter(s => getComputedStyle(s).display !== 'none').map(s => s.dataset.scenario);
  document.querySelectorAll('details').forEach(details => { details.open = true; });
  const figures = [...document.querySelectorAll('figure img')].map(img => ({
    alt: img.alt, complete: img.complete, natural: [img.naturalWidth, img.naturalHeight],
    shown: [img.getBoundingClientRect().width, img.getBoundingClientRect().height]}));
  const sections = [...document.querySelectorAll('section.scenario')].map(s => s.dataset.scenario);
  const out = document.createElement('pre');
  out.id = 'figure-check';
  out.textContent = JSON.stringify({figures, sections, visible});
  document.body.appendChild(out);
});
</script>"""


class Page(HTMLParser):
    """What a report page holds: scenario sections, figures (decoded PNG sizes) and any outside resource."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.sections: list[str] = []
        self.figures: list[tuple[str, int, int]] = []
        self.outside: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "section" and "scenario" in (attributes.get("class") or ""):
            self.sections.append(attributes["data-scenario"])
        for name in ("src", "href"):
            value = attributes.get(name) or ""
            if value and not value.startswith(("data:", "#")):
                self.outside.append(f"<{tag} {name}={value}>")
        if tag == "img":
            src = attributes.get("src") or ""
            png = base64.b64decode(src.split(",", 1)[1]) if src.startswith("data:image/png;base64,") else b""
            width, height = struct.unpack(">II", png[16:24]) if png.startswith(PNG) else (0, 0)
            self.figures.append((attributes.get("alt") or "", width, height))


def browser() -> str | None:
    """The path of a Chromium that can run here, or None."""
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


def render_in_browser(html: Path, executable: str, actions: str = "") -> dict:
    """Open a copy of ``html`` (with a measuring script) in headless Chromium; what the script found.

    ``actions`` is JavaScript run first, as a person would act on the page (typing in the filter box).

    Raises RuntimeError when the browser cannot run here (its exit status and output say why).
    """
    with tempfile.TemporaryDirectory() as folder:
        page = Path(folder) / "page.html"
        probe = _PROBE.replace("ACTIONS", actions)
        page.write_text(html.read_text(encoding="utf-8").replace("</body>", probe + "</body>"), encoding="utf-8")
        command = [executable, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                   "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                   f"--user-data-dir={folder}/profile", "--virtual-time-budget=10000", "--window-size=1200,900",
                   "--dump-dom", page.as_uri()]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    marker = '<pre id="figure-check">'
    if done.returncode != 0 or marker not in done.stdout:
        raise RuntimeError(f"chromium exited {done.returncode}: {done.stderr.strip()[-500:]}")
    found = done.stdout.split(marker, 1)[1].split("</pre>", 1)[0]
    return json.loads(found.replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))


#: The verdict banner's background when the report passed, and when it failed (reports/templates/report.html.j2).
BANNER_OK, BANNER_FAILED = (213, 245, 227), (250, 219, 216)


def banner_pixels(png: Path, top: int = 300) -> dict[str, int]:
    """How many pixels of the top ``top`` rows of a screenshot have the passed and the failed banner's colour."""
    from PIL import Image

    image = Image.open(png).convert("RGB")
    region = image.crop((0, 0, image.width, min(top, image.height)))
    colours = dict((colour, count) for count, colour in region.getcolors(maxcolors=1 << 20))
    return {"ok": colours.get(BANNER_OK, 0), "failed": colours.get(BANNER_FAILED, 0)}


def dark_share(png: Path) -> float:
    """The share of a screenshot's pixels darker than light grey: text, tables and figures."""
    from PIL import Image

    pixels = Image.open(png).convert("L")
    return sum(pixels.histogram()[:200]) / (pixels.width * pixels.height)


def screenshot(html: Path, executable: str, out: Path) -> None:
    """A screenshot of the page's top 1200 × 2400 pixels."""
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run([executable, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                        f"--user-data-dir={folder}/profile", "--window-size=1200,2400", f"--screenshot={out}",
                        html.as_uri()], capture_output=True, timeout=120, check=True)


def screenshot_or_skip(html: Path, out: Path) -> Path:
    """A screenshot of ``html`` in headless Chromium at ``out``; the test skips, saying why, where none can be
    taken (the report is still checked structurally by the tests that read it)."""
    import pytest

    executable = browser()
    if executable is None:
        pytest.skip("no Chromium here (scripts/install-browser.sh installs Debian's chromium)")
    try:
        screenshot(html, executable, out)
    except (OSError, subprocess.SubprocessError) as exc:
        pytest.skip(f"Chromium cannot take a screenshot here: {exc}")
    return out


def rendered_or_skip(html: Path, actions: str = "") -> dict:
    """What :func:`render_in_browser` found in ``html``; the test skips where Chromium cannot run."""
    import pytest

    executable = browser()
    if executable is None:
        pytest.skip("no Chromium here (scripts/install-browser.sh installs Debian's chromium); "
                    "the report was checked structurally instead")
    try:
        return render_in_browser(html, executable, actions)
    except RuntimeError as exc:
        pytest.skip(f"Chromium cannot run here: {exc}")
