"""What a first-time user meets: the identity column, an empty identity folder, sample budgets,
the settings banner (issue: a first-time user's day)."""

from __future__ import annotations

import pytest

from facelime.budget import budget_warnings, lime_budget_warning, occlusion_budget_warning, rise_budget_warning
from facelime.config import effective_settings, settings_banner, validate_config
from facelime.dataset import identity_column_choice, read_identity_metadata, read_metadata_table, scan_dataset
from facelime.errors import ConfigError
from facelime.groups import identity_groups


def write(path, text):
    path.write_text(text)
    return path


def test_identity_column_is_the_one_matching_the_folders_not_the_first(tmp_path):
    path = write(tmp_path / "ids.csv", "gender,Name\nfemale,Angelina_Jolie\nmale,Abdullah_Gul\n")
    header, rows = read_metadata_table(path)
    column, how = identity_column_choice(header, rows, ["Abdullah_Gul", "Angelina_Jolie"], None, path)
    assert column == "Name" and how == "matches 2 of 2 identity folders"
    rows = read_identity_metadata(path, identities=["Abdullah_Gul", "Angelina_Jolie"])
    assert rows["Angelina_Jolie"]["gender"] == "female"
    # the column matching the most folders wins over the preferred names
    path = write(tmp_path / "ids2.csv", "identity,person,g\nx,a,m\ny,b,f\nz,zz,f\n")
    header, rows = read_metadata_table(path)
    assert identity_column_choice(header, rows, ["a", "b", "x"], None, path)[0] == "person"


def test_identity_column_errors_are_one_line_naming_columns_and_key(tmp_path):
    path = write(tmp_path / "ids.csv", "gender,Name\nfemale,A\nmale,B\n")
    header, rows = read_metadata_table(path)
    with pytest.raises(ConfigError) as err:
        identity_column_choice(header, rows, ["Someone_Else"], None, path)
    assert "gender, Name" in str(err.value) and "dataset.identity_column" in str(err.value)
    assert "\n" not in str(err.value)
    with pytest.raises(ConfigError, match=r"dataset.identity_column: column 'Nmae' is not in .*gender, Name"):
        identity_column_choice(header, rows, ["A"], "Nmae", path)


def test_identity_column_is_never_a_grouping(tmp_path):
    # a 'person' column with repeated values passes the value-count rule: only naming it keeps it out
    metadata = {i: {"person": p, "gender": g} for i, p, g in zip("abcd", "aabb", "mmff")}
    assert set(identity_groups(metadata, list("abcd"))) == {"person", "gender"}
    assert set(identity_groups(metadata, list("abcd"), identity_column="person")) == {"gender"}
    with pytest.raises(ConfigError, match="group_columns: 'person' is the identity column"):
        identity_groups(metadata, list("abcd"), ["person"], identity_column="person")


def test_empty_identity_folder_gets_a_qc_row(tmp_path):
    import numpy as np

    from facelime.images import save_rgb

    (tmp_path / "data" / "Ann").mkdir(parents=True)
    save_rgb(tmp_path / "data" / "Ann" / "a.png", np.full((40, 40, 3), 100, np.uint8))
    (tmp_path / "data" / "Empty_Person").mkdir()
    found, rows = scan_dataset(tmp_path / "data")
    assert found == ["Ann"]
    empty = [r for r in rows if r["identity"] == "Empty_Person"]
    assert len(empty) == 1 and empty[0]["action"] == "ignored" and "no images" in empty[0]["reason"]


def test_sample_budget_floors_per_method():
    assert lime_budget_warning(50, 33) and "5 x the 33 superpixels (165)" in lime_budget_warning(50, 33)
    assert lime_budget_warning(165, 33) is None
    assert rise_budget_warning(200, 7) and rise_budget_warning(245, 7) is None
    assert occlusion_budget_warning(19, 20) and occlusion_budget_warning(19, 3) is None
    lime = {"num_samples": 50}
    assert len(budget_warnings(["lime", "rise", "occlusion"], lime, {}, 30)) == 2  # lime and rise (50 masks)
    assert budget_warnings(["lime"], {"num_samples": 1000}, {}, 30) == []


def test_banner_warns_about_too_few_samples():
    config = validate_config({"dataset": {"demo": True}, "lime": {"num_samples": 50}})
    banner = settings_banner(effective_settings(config, []))
    assert "warning: lime.num_samples 50 is below 5 x the 30 superpixels (150)" in banner.replace("\n      ", " ")
    quiet = settings_banner(effective_settings(validate_config({"dataset": {"demo": True}}), []))
    assert "warning" not in quiet


def test_not_made_says_why_for_one_model_and_one_member_groups(tmp_path):
    from facelime.run_outputs import not_made
    from facelime.steps.figures import figure_index

    validity = {"faithfulness": {"enabled": True}, "stability": {"enabled": False}}
    missing = dict(not_made(["mobilefacenet"], {}, "ids.csv", {"gender": {}}, 2, validity))
    assert missing["any KL matrix or dendrogram"] == "KL and dendrograms need >= 2 models or >= 2 groups"
    assert "need >= 2 models (this run has 1: mobilefacenet)" in missing.values()
    assert missing["group figures and KL for 'gender'"].startswith("need >= 2 groups with >= 2 identities")
    assert missing["validity checks: stability, sanity, region_stats"].startswith("off")
    # two models and two groups: KL is made, nothing said about it
    full = {"faithfulness": {"enabled": True}, "stability": {"enabled": True}, "sanity": {"enabled": True},
            "region_stats": {"enabled": True}}
    assert not_made(["a", "b"], {"arch": {"x": ["a"], "y": ["b"]}}, "ids.csv", {"g": {"m": ["1"], "f": ["2"]}}, 1,
                    full) == []
    assert dict(not_made(["a"], {}, None, {}, 2, full)) == {
        "KL matrix and dendrogram between nets": "need >= 2 models (this run has 1: a)",
        "heatmaps, figures and KL by model attribute": "need a models.<name>.attributes key with >= 2 values over "
                                                       "the models",
        "group heatmaps, figures and KL": "no dataset.metadata file",
        "any KL matrix or dendrogram": "KL and dendrograms need >= 2 models or >= 2 groups"}
    long = [f"results/figures/group_country__nets.{c}.{e}" for c in ("grey", "jet") for e in ("png", "pdf")]
    figure_index(figures=[{"description": "heatmaps by net",
                           "files": ["results/figures/nets.grey.png", "results/figures/nets.grey.pdf"]},
                          {"description": "heatmaps by country and net", "files": long}],
                 index=str(tmp_path / "index.tsv"), listing=str(tmp_path / "index.txt"),
                 not_made=[list(item) for item in missing.items()])
    listing = (tmp_path / "index.txt").read_text()
    assert "heatmaps by net" in listing and "results/figures/nets.grey.{pdf,png}" in listing
    assert "facelime: not made in this run, and why" in listing
    assert "  - any KL matrix or dendrogram: KL and dendrograms need >= 2 models or >= 2 groups" in listing
    # a terminal's width, as the run summary (the header names the index, here under tmp_path)
    assert max(len(line) for line in listing.splitlines() if str(tmp_path) not in line) <= 100


@pytest.mark.workflow
def test_misspelled_identity_column_stops_the_dag_in_one_line(tmp_path):
    """It was an InputFunctionException with a traceback; now the DAG build stops with one line."""
    import numpy as np
    from workflow_helpers import snakemake, write_config

    from facelime.images import save_rgb

    for person in ("Ann_A", "Bob_B"):
        (tmp_path / "data" / person).mkdir(parents=True)
        save_rgb(tmp_path / "data" / person / "1.png", np.full((64, 64, 3), 120, np.uint8))
    write(tmp_path / "meta.csv", "gender,Name\nf,Ann_A\nm,Bob_B\n")
    config = {"dataset": {"root": str(tmp_path / "data"), "metadata": str(tmp_path / "meta.csv"),
                          "identity_column": "Nmae"}}
    write_config(tmp_path, config)
    result = snakemake(tmp_path, "-n")
    said = result.stdout + result.stderr
    assert result.returncode != 0
    assert "dataset.identity_column: column 'Nmae' is not in" in said and "gender, Name" in said
    assert "InputFunctionException" not in said and "Traceback" not in said
    config["dataset"]["identity_column"] = None  # found by matching the folders
    write_config(tmp_path, config)
    assert snakemake(tmp_path, "-n").returncode == 0
    config["dataset"]["only_metadata_identities"] = True  # the column is needed while the dataset is listed
    write_config(tmp_path, config)
    result = snakemake(tmp_path, "-n")
    assert result.returncode == 0, result.stdout + result.stderr
