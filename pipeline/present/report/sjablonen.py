"""Where the report templates live and the Jinja2 environment that renders them."""

from __future__ import annotations

import functools
from pathlib import Path

import jinja2
from markupsafe import Markup

from pipeline.present import fmt

TEMPLATE = "rapport.html.j2"
CSS = "rapport.css"
#: Styles of the second edition only, so that a first edition stays as it was.
CSS_SESSIES = "sessies.css"
#: The one place the repository's template directory is derived from this file's location.
TEMPLATE_DIR = Path(__file__).resolve().parents[3] / "templates"


def make_environment(template_dir: Path) -> jinja2.Environment:
    """Jinja2 environment of the report: autoescape on, undefined variables fail.

    Parameters
    ----------
    template_dir
        Directory with ``rapport.html.j2``, its ``_*.html.j2`` partials and
        ``rapport.css``.

    Returns
    -------
    jinja2.Environment
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(template_dir)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["kleine_letter"] = fmt.kleine_letter
    return env


@functools.lru_cache(maxsize=8)
def shared_environment(template_dir: Path) -> jinja2.Environment:
    """The environment of :func:`make_environment`, one per directory and process.

    A render worker prints many reports; one environment keeps the compiled templates
    (~0.05 s per report to compile them again). Jinja2 still checks each template file's
    modification time, so an edited template is picked up. Callers must not change it
    (no new filters or globals): use :func:`make_environment` for that.
    """
    return make_environment(Path(template_dir))


def inline_css(path: Path, *extra: str) -> Markup:
    """A stylesheet (plus ``extra`` rules) ready to inline in a ``<style>`` element.

    ``</`` is escaped, so no text in the file can close the element early.
    """
    css = "\n".join([Path(path).read_text(encoding="utf-8"), *extra])
    return Markup(css.replace("</", "<\\/"))


def rapport_css(template_dir: Path) -> Markup:
    """The report's stylesheet, with the rule that prints figures at their drawn size."""
    from pipeline.present.figuur import print_css

    return inline_css(Path(template_dir) / CSS, print_css())
