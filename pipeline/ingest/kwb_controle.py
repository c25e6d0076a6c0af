"""Checks of a normalised KWB table: do its counts add up?

Buurten must add up to their published wijk and gemeente figures (:func:`check_totals`:
a file that lost rows still looks valid otherwise), and the four burgerlijke-staat counts
of a region to its ``inwoners`` (:func:`check_burgerlijke_staat`), both within the CBS
rounding.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.errors import WijkscanError
from pipeline.ingest.kwb_kolommen import COUNT_COLUMNS, MARITAL_COLUMNS
from pipeline.present import fmt

#: Slack of the buurt-sum check. CBS rounds buurt and wijk counts to 5 independently,
#: so a wijk of one buurt can differ by 5 from it (seen in KWB 2023 and 2024); 5 per
#: buurt covers both roundings. 1 % of the published figure covers CBS's own small
#: corrections between the levels. With these values all 342 gemeenten of KWB 2023
#: (43 columns) and KWB 2024 (85984NED subset) pass; the largest gap relative to the
#: slack is Wassenaar 2023, eenpersoonshuishoudens 4.220 over 21 buurten vs 4.343.
TOTAL_SLACK_PER_BUURT = 5.0
TOTAL_SLACK_SHARE = 0.01


def check_totals(regios: pd.DataFrame, source: str) -> None:
    """Check that the buurten add up to their published wijk and gemeente figures.

    A file that lost rows (a cut-off download, a filtered export, a deleted line) still
    looks like a valid table; only the published totals show that buurten are missing.
    Per wijk and per gemeente, for every count of :data:`COUNT_COLUMNS`: the sum over
    its buurten may differ from the published figure by at most
    ``5 * n_buurten + 1 %`` (CBS rounding, see :data:`TOTAL_SLACK_PER_BUURT`). Secret buurt cells (NaN) are left out of
    the sum; then only a sum *above* the published figure is provably wrong.
    Every wijk and gemeente must have buurten and every buurt its wijk row.

    Parameters
    ----------
    regios
        Normalised regions (output of :func:`normalize_all` before this check).
    source
        File or table name for the message.

    Raises
    ------
    WijkscanError
        Naming the regions and counts that do not add up (at most 5 in the message).
    """
    niveau = regios["niveau"]
    buurt = regios[niveau == "buurt"]
    wijk_codes = set(regios.loc[niveau == "wijk", "code"])
    oplossing = (
        "Het bestand is waarschijnlijk onvolledig (afgebroken download, gefilterde export of "
        "verwijderde regels). Exporteer de KWB-tabel opnieuw met alle regio's van de gemeente: "
        "de gemeente, al haar wijken en al haar buurten."
    )
    zonder_wijk = sorted(set(buurt.loc[~buurt["wijkcode"].isin(wijk_codes), "code"]))
    if zonder_wijk:
        raise WijkscanError(
            f"{len(zonder_wijk)} buurt(en) zonder wijkrij in {source}: {fmt.eerste(zonder_wijk, 5)}.",
            waar=f"{source}, kolom WijkenEnBuurten",
            oplossing=oplossing,
        )
    met_buurten = set(buurt["wijkcode"]) | set(buurt["gemeentecode"])
    leeg = [
        c for c in regios.loc[niveau.isin(["wijk", "gemeente"]), "code"] if c not in met_buurten
    ]
    if leeg:
        raise WijkscanError(
            f"{len(leeg)} wijk(en) of gemeente(n) zonder buurten in {source}: "
            f"{fmt.eerste(sorted(leeg), 5)}.",
            waar=f"{source}, kolom WijkenEnBuurten",
            oplossing=oplossing,
        )
    cols = [c for c in COUNT_COLUMNS if c in regios.columns]
    fouten: list[str] = []
    for level, key in (("wijk", "wijkcode"), ("gemeente", "gemeentecode")):
        grouped = buurt.groupby(key)[cols]
        som = grouped.sum(min_count=1)
        n = grouped.count()
        complete = n.eq(grouped.size(), axis=0)
        pub = regios[niveau == level].set_index("code")[cols].reindex(som.index)
        diff = som - pub
        slack = TOTAL_SLACK_PER_BUURT * n + TOTAL_SLACK_SHARE * pub.abs()
        bad = pub.notna() & som.notna() & ((complete & (diff.abs() > slack)) | (diff > slack))
        for i in np.flatnonzero(bad.any(axis=1).to_numpy()):
            # One line per region: its first failing count (inwoners comes first).
            j = int(np.flatnonzero(bad.iloc[i].to_numpy())[0])
            meer = int(bad.iloc[i].sum()) - 1
            fouten.append(
                f"{som.index[i]} {cols[j]}: som van {int(n.iat[i, j])} buurten "
                f"{fmt.getal(som.iat[i, j])}, gepubliceerd {fmt.getal(pub.iat[i, j])}"
                + (f" (en {meer} andere aantallen)" if meer else "")
            )
    if fouten:
        raise WijkscanError(
            f"De buurten tellen niet op tot de gepubliceerde wijk- en gemeentecijfers in "
            f"{source} ({len(fouten)} regio('s), verschil groter dan de CBS-afronding): "
            f"{fmt.eerste(fouten, 5, sep='; ')}.",
            waar=f"{source}",
            oplossing=oplossing,
        )


#: Rounding slack of the burgerlijke-staat check: CBS rounds wijk and buurt counts to 5.
MARITAL_SLACK_PER_COUNT = 5.0
MARITAL_SLACK_SHARE = 0.01


def check_burgerlijke_staat(regios: pd.DataFrame) -> tuple[pd.DataFrame, list[str], list[str]]:
    """Blank burgerlijke staat where it cannot be right, instead of passing it on.

    A row's four counts (ongehuwd, gehuwd, gescheiden, verweduwd) must add up to
    ``inwoners`` within the CBS rounding: at most 5 per published (non-secret) count
    plus 1 % of ``inwoners``. With some counts secret, the published ones may not
    exceed ``inwoners`` by more than that. Rows that fail get NaN in all four.

    Parameters
    ----------
    regios
        Normalised regions (canonical column names).

    Returns
    -------
    tuple
        ``(table, afwijkend, weggelaten)``: the checked table (a copy when changed),
        the codes of the rows that were blanked, and the marital columns dropped because
        the source has only some of the four (an incomplete split is no margin).
    """
    present = [c for c in MARITAL_COLUMNS if c in regios.columns]
    if not present:
        return regios, [], []
    if len(present) < len(MARITAL_COLUMNS):
        return regios.drop(columns=present), [], present
    if "inwoners" not in regios.columns:
        return regios, [], []
    counts = regios[list(MARITAL_COLUMNS)]
    n_published = counts.notna().sum(axis=1)
    total = counts.sum(axis=1, min_count=1)
    inw = regios["inwoners"]
    slack = MARITAL_SLACK_PER_COUNT * n_published + MARITAL_SLACK_SHARE * inw
    complete = n_published == len(MARITAL_COLUMNS)
    # Complete rows must match; with secret counts only an excess is provably wrong.
    off = ((total - inw).abs() > slack) & complete
    excess = ((total - inw) > slack) & ~complete
    bad = inw.notna() & (n_published > 0) & (off | excess)
    if not bad.any():
        return regios, [], []
    out = regios.copy()
    out.loc[bad, list(MARITAL_COLUMNS)] = np.nan
    return out, list(out.loc[bad, "code"]), []
