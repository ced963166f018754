"""The study's members: the dataset's identities, the metadata's identity column, the groups
and the QC rows for what was left out, each read once (docs/method.md, Dataset and Heatmaps).
Problems raise ConfigError with one line naming the setting; rules/common.smk turns it into
Snakemake's WorkflowError."""

from __future__ import annotations

import sys
import textwrap
from functools import cached_property

from ..dataset import identity_column_choice, list_images, read_identity_metadata, read_metadata_table, scan_dataset
from ..errors import ConfigError
from ..groups import identity_groups

DEMO_ROOT = "results/demo/faces"
DEMO_METADATA = "results/demo/identities.csv"


class Members:
    """Read off the filled config's `dataset` and `compare` sections (the demo's folder once the
    demo checkpoint has made it)."""

    def __init__(self, config: dict):
        self.settings, self.compare = config["dataset"], config["compare"]
        self.root = DEMO_ROOT if self.settings["demo"] else self.settings["root"]
        self.metadata = DEMO_METADATA if self.settings["demo"] else self.settings["metadata"]
        self._images: dict[str, list[str]] = {}

    @cached_property
    def scan(self) -> tuple[list[str], list[dict]]:
        """Identity folders holding images, and QC rows for what the layout leaves out."""
        return scan_dataset(self.root, self.settings["view"])

    @cached_property
    def identity_column(self) -> tuple[str | None, str]:
        """(column, how it was chosen): dataset.identity_column, else the column matching the most
        identity folders (facelime.dataset.identity_column_choice)."""
        if not self.metadata:
            return None, ""
        header, rows = read_metadata_table(self.metadata)
        return identity_column_choice(header, rows, self.scan[0], self.settings["identity_column"], self.metadata)

    @cached_property
    def identities(self) -> list[str]:
        """The identities explained: dataset.identities if given, only the metadata's if asked."""
        found = self.scan[0]
        wanted = self.settings["identities"]
        if wanted:
            missing = sorted(set(wanted) - set(found))
            if missing:
                raise ConfigError(f"dataset.identities: no images for {missing} under {self.root}")
            found = [i for i in found if i in set(wanted)]
        if self.settings["only_metadata_identities"]:
            found = self.metadata_identities(found)
        return found

    def metadata_identities(self, found: list[str]) -> list[str]:
        """The identities the metadata lists (the study's 368 of VGGFace2's test split); listed
        identities without images are named once, not silently dropped."""
        listed = read_identity_metadata(self.metadata, self.identity_column[0])
        kept = [i for i in found if i in listed]
        absent = sorted(set(listed) - set(found))
        if absent:
            print(f"facelime: {len(absent)} of the {len(listed)} identities in {self.metadata} have no "
                  f"images under {self.root} (e.g. {', '.join(absent[:3])}); explaining the "
                  f"{len(kept)} that do", file=sys.stderr)
        if not kept:
            raise ConfigError(f"dataset.only_metadata_identities: none of the identities in {self.metadata} "
                              f"has images under {self.root}")
        return kept

    @cached_property
    def grouping(self) -> tuple[dict[str, dict[str, list[str]]], list[dict]]:
        """{column: {value: [identities]}} from the metadata, and QC rows for its gaps and the
        groups left out (both empty without metadata)."""
        if not self.metadata:
            return {}, []
        qc: list[dict] = []
        rows = read_identity_metadata(self.metadata, self.identity_column[0])
        found = identity_groups(rows, self.identities, self.settings["group_columns"],
                                self.compare["max_group_values"], self.compare["min_group_size"], qc,
                                identity_column=self.identity_column[0])
        if qc:
            shown = "; ".join(f"{row['identity'] or row['action']}: {row['reason']}" for row in qc[:3])
            text = (f"facelime: {len(qc)} metadata notes (missing rows or values, small groups), "
                    f"e.g. {shown}{' ...' if len(qc) > 3 else ''} (all in results/qc/qc.tsv)")
            print(textwrap.fill(text, 100, subsequent_indent="  "), file=sys.stderr)
        return found, qc

    @property
    def groups(self) -> dict[str, dict[str, list[str]]]:
        return self.grouping[0]

    @property
    def qc_rows(self) -> list[dict]:
        """QC rows for files the layout leaves out, metadata gaps and small groups."""
        return self.scan[1] + self.grouping[1]

    def all_images(self, identity: str) -> list[str]:
        if identity not in self._images:
            self._images[identity] = list_images(self.root, identity, self.settings["view"])
        return self._images[identity]

    def images(self, identity: str) -> list[str]:
        """An identity's image files, capped at dataset.max_images_per_identity."""
        cap = self.settings["max_images_per_identity"]
        found = self.all_images(identity)
        return found[:cap] if cap else found

    def classifier_identities(self, count: int) -> list[str]:
        """identity_classifier: the `count` identities with most images (capped as the dataset is),
        at least 3 each (one per split)."""
        from ..classify.identity import top_identities

        chosen = top_identities({i: len(self.images(i)) for i in self.identities}, count)
        if len(chosen) < 2:
            raise ConfigError("identity_classifier: fewer than two identities with 3 or more images")
        return chosen
