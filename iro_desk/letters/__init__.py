"""The letters a child receives: the review letter and the IRO's introduction letter.

``compose`` writes the words from the caseload records, ``language`` checks them (care jargon,
reading level), ``pdf`` lays them out with reportlab, and ``service`` saves the letter and its
PDF. The GUI's letter editor (``iro_desk.ui.letter_editor``) and the ``iro-desk letter`` command
are two faces on these functions. See docs/letters.md.
"""

from __future__ import annotations

from iro_desk.paths import resources_dir

__all__ = ["resources_dir"]
