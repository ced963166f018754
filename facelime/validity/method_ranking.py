"""Which explainer is most faithful, per protocol, and does the answer survive a change of protocol?

Input rows: one per (model, method, identity, image, protocol) with the map's AUC and the
gap to random orders (positive = better than chance, validity.faithfulness). Methods are
ranked per (model, protocol) by their mean AUC, lower first for deletion and higher first
for insertion (compared directly: the random baseline is the same for every method, and
subtracting its noisy estimate would only add noise); the ranking survives when every
protocol gives the same order. Paired differences between two methods use the images
both explained, with a cluster bootstrap over identities for the CI.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np

from ..seeding import job_seed
from .stats import identity_bootstrap_ci

PROTOCOL_KEYS = ("units", "substrate", "kind")


def protocol_name(row: dict) -> str:
    return ":".join(str(row[k]) for k in PROTOCOL_KEYS)


def advantage(row: dict) -> float:
    """The AUC turned so that larger is more faithful: -AUC for deletion, AUC for insertion."""
    return -float(row["auc"]) if row["kind"] == "deletion" else float(row["auc"])


def kendalls_w(ranks: np.ndarray) -> float:
    """Kendall's coefficient of concordance of m rankings (rows) of n items (columns): 1 = all agree."""
    ranks = np.asarray(ranks, np.float64)
    m, n = ranks.shape
    if m < 2 or n < 2:
        return float("nan")
    totals = ranks.sum(axis=0)
    s = ((totals - totals.mean()) ** 2).sum()
    return float(12 * s / (m ** 2 * (n ** 3 - n)))


def method_summary(rows: list[dict], bootstrap: int, confidence: float, seed: int) -> list[dict]:
    """Per (model, protocol, method): images, identities, mean AUCs, mean gap with its identity-bootstrap CI,
    share of images beating chance, and the method's rank within (model, protocol) (1 = the most faithful
    mean AUC: lowest for deletion, highest for insertion)."""
    out = []
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault((row["model"], protocol_name(row), row["method"]), []).append(row)
    for (model, protocol, method), mine in groups.items():
        gaps = [float(r["gap"]) for r in mine]
        mean, low, high = identity_bootstrap_ci(gaps, [r["identity"] for r in mine], bootstrap, confidence,
                                                job_seed(seed, "faithfulness", model, method, protocol))
        units, substrate, kind = protocol.split(":")
        out.append(dict(model=model, units=units, substrate=substrate, kind=kind, method=method, images=len(mine),
                        identities=len({r["identity"] for r in mine}),
                        auc=float(np.mean([float(r["auc"]) for r in mine])),
                        auc_random=float(np.mean([float(r["auc_random"]) for r in mine])),
                        gap=mean, gap_low=low, gap_high=high,
                        share_beats_random=float(np.mean([int(r["beats_random"]) for r in mine]))))
    for entry in out:
        peers = [e for e in out if e["model"] == entry["model"] and protocol_name(e) == protocol_name(entry)]
        entry["rank"] = 1 + sum(advantage(e) > advantage(entry) for e in peers)
    return out


def ranking_table(summary: list[dict]) -> list[dict]:
    """Per (model, protocol): the methods best first; per model, whether the ranking (and the best method)
    is the same under every protocol, and Kendall's W of the rankings across protocols."""
    out = []
    for model in dict.fromkeys(e["model"] for e in summary):
        mine = [e for e in summary if e["model"] == model]
        methods = sorted({e["method"] for e in mine})
        by_protocol: dict[str, dict[str, dict]] = {}
        for e in mine:
            by_protocol.setdefault(protocol_name(e), {})[e["method"]] = e
        complete = {p: v for p, v in by_protocol.items() if set(v) == set(methods)}
        orders = {p: sorted(v, key=lambda m: (v[m]["rank"], m)) for p, v in complete.items()}
        rankings = {" > ".join(o) for o in orders.values()}
        best = {o[0] for o in orders.values()}
        w = kendalls_w(np.array([[complete[p][m]["rank"] for m in methods] for p in complete]))
        for protocol, order in orders.items():
            units, substrate, kind = protocol.split(":")
            out.append(dict(model=model, units=units, substrate=substrate, kind=kind, ranking=" > ".join(order),
                            best=order[0], ranking_survives=int(len(rankings) == 1),
                            best_survives=int(len(best) == 1), kendalls_w=w, protocols=len(orders)))
    return out


def paired_differences(rows: list[dict], bootstrap: int, confidence: float, seed: int) -> list[dict]:
    """Per (model, protocol, method pair): the mean over shared images of a's AUC advantage over b (deletion:
    b's AUC - a's; insertion: a's - b's) with an identity-bootstrap CI; `better` names the more faithful
    method when the CI excludes 0 (else 'neither')."""
    table: dict[tuple, dict[str, dict[tuple, float]]] = {}
    for row in rows:
        table.setdefault((row["model"], protocol_name(row)), {}).setdefault(row["method"], {})[
            (row["identity"], row["image"])] = advantage(row)
    out = []
    for (model, protocol), methods in table.items():
        for a, b in combinations(sorted(methods), 2):
            shared = sorted(set(methods[a]) & set(methods[b]))
            diff = [methods[a][key] - methods[b][key] for key in shared]
            mean, low, high = identity_bootstrap_ci(diff, [key[0] for key in shared], bootstrap, confidence,
                                                    job_seed(seed, "faithfulness pair", model, protocol, a, b))
            better = a if low > 0 else b if high < 0 else "neither"
            units, substrate, kind = protocol.split(":")
            out.append(dict(model=model, units=units, substrate=substrate, kind=kind, method_a=a, method_b=b,
                            images=len(shared), identities=len({k[0] for k in shared}), difference=mean,
                            ci_low=low, ci_high=high, better=better))
    return out
