"""A new briefing type from the template: ``research new NAME``.

Copies ``notebooks/mall.ipynb`` to ``notebooks/NAME.ipynb`` (outputs stripped, its kind
declared in ``metadata.research``) and ``parameters/mall/default.yaml`` to
``parameters/NAME/default.yaml``. Nothing in the package needs to change: the renderer and
the catalogue read the kind's name from the notebook itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

from .errors import ParameterError
from .io.files import write_text_atomic
from .paths import project_root

__all__ = ["NAME_PATTERN", "TEMPLATE", "NewNotebook", "new_notebook_type"]

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,59}$")
TEMPLATE = "mall"


@dataclass
class NewNotebook:
    """What :func:`new_notebook_type` wrote."""

    notebook: Path
    parameters: Path


def _check_name(name: str, root: Path) -> None:
    if not NAME_PATTERN.match(name):
        raise ParameterError(
            f"Invalid notebook name {name!r}.",
            hint="use lower-case letters a-z, digits and '_', starting with a letter and "
                 "without å/ä/ö (write a for å/ä, o for ö), e.g. 'skolenkat' or "
                 "'lagesbild_skola'", parameter="NAME")
    if name == TEMPLATE:
        raise ParameterError("The template cannot be copied onto itself.",
                             hint="choose another name", parameter="NAME")
    for existing in (root / "notebooks" / f"{name}.ipynb", root / "parameters" / name):
        if existing.exists():
            raise ParameterError(f"{existing} already exists.",
                                 hint="choose another name; nothing was changed",
                                 parameter="NAME", file=str(existing))


def new_notebook_type(name: str, *, kind: str | None = None, description: str = "",
                      audience: str = "", root: Path | None = None) -> NewNotebook:
    """Create a new briefing type ``name`` from the template notebook.

    Parameters
    ----------
    name
        The file name without ``.ipynb``: a-z, 0-9 and ``_`` (no å/ä/ö).
    kind
        The kind's Swedish display name (heading, catalogue section); default: the name
        with spaces, capitalised.
    description, audience
        What the briefing is about and who reads it (shown in the title cell and kept in
        ``metadata.research``).
    root
        The project root (default: :func:`research.paths.project_root`).

    Raises
    ------
    ParameterError
        For a name that is not a valid file name here, or that is taken.
    """
    root = root or project_root()
    _check_name(name, root)
    template = root / "notebooks" / f"{TEMPLATE}.ipynb"
    template_parameters = root / "parameters" / TEMPLATE / "default.yaml"
    nb = nbformat.read(str(template), as_version=4)
    kind = (kind or name.replace("_", " ").capitalize()).strip()
    description = description.strip() or "Vad briefingen visar (skriv en mening här)."
    audience = audience.strip() or "Samordnare och ledning i Kunskapshus"
    nb.metadata["research"] = {"kind": kind, "description": description, "audience": audience}
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    title = next((c for c in nb.cells if c.cell_type == "markdown"), None)
    if title is not None:
        title.source = f"# {kind}\n\n{description}\nFör {audience[0].lower()}{audience[1:]}."
    notebook = root / "notebooks" / f"{name}.ipynb"
    parameters = root / "parameters" / name / "default.yaml"
    parameters.parent.mkdir(parents=True)
    lines = template_parameters.read_text(encoding="utf-8").splitlines()
    body = [line for line in lines if not line.startswith("#")]
    write_text_atomic(parameters, "\n".join(
        [f"# {kind}: standarduppsättningen, kör på exempeldata (kopierad från mallen).", *body])
        + "\n")
    write_text_atomic(notebook, nbformat.writes(nb) + "\n")
    return NewNotebook(notebook, parameters)
