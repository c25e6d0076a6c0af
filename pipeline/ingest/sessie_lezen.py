"""Reading filled session workbooks (XLSX or CSV) back, with Dutch errors that say where.

A facilitator fills the workbook of :mod:`pipeline.present.sessie` and names it in the config
(``bronnen.sessies: {type: lokaal, pad: <file or list>}``). :func:`lees_sessies` checks every
file against the gemeente's buurten and returns plain, JSON-ready records; every problem is
a :class:`~pipeline.errors.WijkscanError` naming the file, sheet, row and column and how to
fix it. Free text is kept verbatim (escaping is the job of whoever prints it). Privacy by
design: a cell that looks like an e-mail address or a phone number is refused.

:func:`check_config` runs before Snakemake plans anything (files exist, are readable and
belong to a selected gemeente); :func:`sessie_bestanden` tells the DAG which files feed
which gemeente, so that a changed cell only rebuilds that gemeente's products.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.codes import BUURT, GEMEENTE, is_gemeentecode
from pipeline.errors import WijkscanError
from pipeline.ingest.sessie_cellen import (
    cel_tekst,
    csv_rijen,
    datum_van,
    geen_formule,
    keuze,
    open_xlsx,
    privacy,
    waar,
)
from pipeline.present import fmt
from pipeline.present.sessie import (
    BLAD_BUURTEN,
    BLAD_SESSIE,
    CSV_SESSIE,
    INVULKOLOMMEN,
    JA_NEE,
    KOL_CODE,
    KOL_NAAM,
    MAX_TEKST,
    ORGANISATIES,
    SESSIE_LABELS,
    SOORTEN,
    VRIJE_TEKST,
)

#: File types a session may come in.
SOORTEN_BESTAND = (".xlsx", ".csv")
# Buurt codes may hold letters (BU0363AF08, Amsterdam).
_BUURTCODE = re.compile(BUURT)
_TEMPLATE_PAD = re.compile(rf"(^|/)reports/{GEMEENTE}/sessie_{GEMEENTE}\.(xlsx|csv)$")


# ----------------------------------------------------------------------- config / DAG


def _pads(config: dict[str, Any]) -> list[str]:
    src = (config.get("bronnen", {}) or {}).get("sessies") or {}
    if src.get("type", "geen") != "lokaal":
        return []
    pad = src.get("pad")
    if not pad:
        raise WijkscanError(
            "Bron 'sessies' is 'lokaal' maar er is geen werkboek opgegeven.",
            waar="configuratie, sleutel bronnen.sessies.pad",
            oplossing="Geef het ingevulde sessiewerkboek op (pad: sessies/duiven.xlsx, of een "
            "lijst van bestanden), of zet type: geen.",
        )
    return [str(p) for p in pad] if isinstance(pad, list) else [str(pad)]


@functools.lru_cache(maxsize=256)
def _gemeenten_cached(path: str, mtime_ns: int, size: int) -> frozenset[str]:
    return frozenset(_file_gemeenten(Path(path)))


def bestand_gemeenten(path: str | Path) -> frozenset[str]:
    """Gemeente codes a session file is about (its 'Sessie' sheet, else its buurt codes).

    Parameters
    ----------
    path
        A session workbook or CSV.

    Returns
    -------
    frozenset of str
        Empty when no gemeente can be told (then :func:`check_config` refuses the file).

    Raises
    ------
    WijkscanError
        When the file cannot be read at all.
    """
    p = Path(path)
    st = p.stat()
    return _gemeenten_cached(str(p.resolve()), st.st_mtime_ns, st.st_size)


def _file_gemeenten(path: Path) -> set[str]:
    if path.suffix.lower() == ".csv":
        rows = csv_rijen(path)
        codes = [str(r.get(KOL_CODE) or "").strip() for _, r in rows[1]]
        return {fmt.gemeente_van(c) for c in codes if _BUURTCODE.fullmatch(c)}
    wb = open_xlsx(path, read_only=True)
    try:
        if BLAD_SESSIE in wb.sheetnames:
            for row in wb[BLAD_SESSIE].iter_rows(max_col=2, values_only=True):
                if row and str(row[0] or "").strip() == SESSIE_LABELS["gemeentecode"]:
                    code = str(row[1] or "").strip().upper() if len(row) > 1 else ""
                    if is_gemeentecode(code):
                        return {code}
        if BLAD_BUURTEN not in wb.sheetnames:
            return set()
        it = wb[BLAD_BUURTEN].iter_rows(values_only=True)
        kop = [str(c or "").strip() for c in next(it, ())]
        if KOL_CODE not in kop:
            return set()
        i = kop.index(KOL_CODE)
        codes = {str(r[i] or "").strip() for r in it if len(r) > i}
        return {fmt.gemeente_van(c) for c in codes if _BUURTCODE.fullmatch(c)}
    finally:
        wb.close()


def check_config(config: dict[str, Any], gemeenten: Sequence[str]) -> None:
    """Check ``bronnen.sessies`` before anything is planned.

    Every file must exist, be an ``.xlsx`` or ``.csv`` that opens, lie outside the generated
    ``reports/<GM>/sessie_<GM>.*`` (a rebuild would overwrite the filled-in workbook) and
    belong to a gemeente of ``gemeenten``.

    Parameters
    ----------
    config
        The validated configuration.
    gemeenten
        The selected gemeente codes.

    Raises
    ------
    WijkscanError
        With the file, the config key and the fix.
    """
    sleutel = "configuratie, sleutel bronnen.sessies.pad"
    for pad in _pads(config):
        p = Path(pad)
        if p.suffix.lower() not in SOORTEN_BESTAND:
            raise WijkscanError(
                f"Sessiebestand '{pad}' is geen .xlsx of .csv.",
                waar=sleutel,
                oplossing="Sla het werkboek op als Excel-werkmap (.xlsx) of als CSV (UTF-8).",
            )
        if not p.is_file():
            raise WijkscanError(
                f"Sessiebestand niet gevonden: {pad} (relatieve paden gelden vanaf {Path.cwd()}).",
                waar=sleutel,
                oplossing="Controleer de spelling van het pad, of gebruik een absoluut pad.",
            )
        if _TEMPLATE_PAD.search(p.resolve().as_posix()):
            raise WijkscanError(
                f"Sessiebestand '{pad}' is het werkboek dat wijkscan zelf maakt; een nieuwe "
                "bouw zou uw invulling overschrijven.",
                waar=sleutel,
                oplossing="Kopieer het ingevulde werkboek naar een eigen map (bijv. "
                "sessies/) en zet dat pad in bronnen.sessies.pad.",
            )
        gms = bestand_gemeenten(p)
        if not gms:
            raise WijkscanError(
                f"In sessiebestand '{pad}' staat niet voor welke gemeente het is.",
                waar=f"{pad}, blad '{BLAD_SESSIE}' (Gemeentecode) en kolom '{KOL_CODE}'",
                oplossing="Laat de buurtcodes en de gemeentecode staan zoals wijkscan ze in "
                "het werkboek zette.",
            )
        vreemd = sorted(gms - set(gemeenten))
        if vreemd:
            raise WijkscanError(
                f"Sessiebestand '{pad}' gaat over {', '.join(vreemd)}, maar die gemeente staat "
                "niet in deze bouw.",
                waar=f"{sleutel} en sleutel gemeenten ({', '.join(gemeenten)})",
                oplossing="Voeg de gemeente toe aan 'gemeenten', of haal het bestand uit "
                "bronnen.sessies.pad.",
            )


def sessie_bestanden(config: dict[str, Any], gemeente: str) -> list[str]:
    """The configured session files about ``gemeente`` (input of its session rule only)."""
    return [p for p in _pads(config) if gemeente in bestand_gemeenten(p)]


# ----------------------------------------------------------------------- one file


@dataclass
class _Gebied:
    """The buurten (and wijken) of one gemeente, to tell which buurt a row is about."""

    gemeente: str
    gemeentenaam: str
    codes: dict[str, str]  # buurt code -> name
    per_naam: dict[str, list[str]] = field(default_factory=dict)  # lower name -> codes
    wijken: dict[str, tuple[str, list[str]]] = field(default_factory=dict)  # lower name/code

    @classmethod
    def van(cls, indicatoren: pd.DataFrame, gemeente: str, gemeentenaam: str) -> _Gebied:
        b = indicatoren[indicatoren["niveau"] == "buurt"].drop_duplicates("code")
        codes = dict(zip(b["code"].astype(str), b["naam"].astype(str), strict=True))
        g = cls(gemeente, gemeentenaam, codes)
        for c, n in codes.items():
            g.per_naam.setdefault(n.strip().lower(), []).append(c)
        w = indicatoren[indicatoren["niveau"] == "wijk"].drop_duplicates("code")
        for code, naam in zip(w["code"].astype(str), w["naam"].astype(str), strict=True):
            namen = sorted(b.loc[b["wijkcode"].astype(str) == code, "naam"].astype(str))
            g.wijken[naam.strip().lower()] = (naam, namen)
            g.wijken[code.lower()] = (naam, namen)
        return g


class _Bestand:
    """Raw cells of one session file: buurt rows and session fields."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.naam = str(path)
        self.blad = BLAD_BUURTEN if path.suffix.lower() == ".xlsx" else None
        self.kop: list[str] = []
        self.rijen: list[tuple[int, dict[str, Any]]] = []
        self.sessie: dict[str, Any] = {}
        self.sessie_waar: dict[str, str] = {}
        self.organisaties: list[tuple[Any, str]] = []
        if self.blad:
            self._xlsx()
        else:
            self._csv()

    def _xlsx(self) -> None:
        wb = open_xlsx(self.path)
        if BLAD_BUURTEN not in wb.sheetnames:
            raise WijkscanError(
                f"Het werkboek heeft geen blad '{BLAD_BUURTEN}' (wel: {', '.join(wb.sheetnames)}).",
                waar=self.naam,
                oplossing=f"Gebruik het werkboek dat wijkscan maakte en laat de bladnamen "
                f"'{BLAD_BUURTEN}' en '{BLAD_SESSIE}' staan.",
            )
        ws = wb[BLAD_BUURTEN]
        rows = list(ws.iter_rows(values_only=True))
        self.kop = [cel_tekst(c).strip() for c in (rows[0] if rows else ())]
        for n, values in enumerate(rows[1:], start=2):
            if any(v not in (None, "") for v in values):
                self.rijen.append((n, dict(zip(self.kop, values, strict=False))))
        if BLAD_SESSIE not in wb.sheetnames:
            raise WijkscanError(
                f"Het werkboek heeft geen blad '{BLAD_SESSIE}' met de datum van de sessie.",
                waar=self.naam,
                oplossing="Gebruik het werkboek dat wijkscan maakte (blad 'Sessie': datum, plaats, "
                "organisaties).",
            )
        labels = {v: k for k, v in SESSIE_LABELS.items()}
        huidig = None
        for n, row in enumerate(wb[BLAD_SESSIE].iter_rows(max_col=8, values_only=True), start=1):
            label = cel_tekst(row[0]).strip() if row else ""
            waarde = row[1] if len(row) > 1 else None
            w = waar(self.naam, BLAD_SESSIE, n, "B")
            for c, v in enumerate(row):
                if isinstance(v, str):
                    privacy(v, waar(self.naam, BLAD_SESSIE, n, "AB"[c] if c < 2 else str(c + 1)))
            if label:
                huidig = labels.get(label)
            if huidig == "organisaties":
                if waarde not in (None, ""):
                    self.organisaties.append((waarde, w))
            elif label and huidig:
                self.sessie[huidig] = waarde
                self.sessie_waar[huidig] = w
        wb.close()

    def _csv(self) -> None:
        self.kop, self.rijen = csv_rijen(self.path)
        for key, kop in CSV_SESSIE.items():
            gezien: dict[str, int] = {}
            for n, r in self.rijen:
                v = str(r.get(kop) or "").strip()
                if v:
                    gezien.setdefault(v, n)
            if len(gezien) > 1:
                (a, ra), (b, rb) = list(gezien.items())[:2]
                raise WijkscanError(
                    f"Kolom '{kop}' heeft verschillende waarden: '{a}' (rij {ra}) en '{b}' (rij {rb}).",
                    waar=waar(self.naam, None, rb, kop),
                    oplossing="Eén CSV is één sessie: vul de sessiegegevens alleen op de eerste "
                    "regel in, of maak per sessie een eigen bestand.",
                )
            if gezien:
                v, n = next(iter(gezien.items()))
                w = waar(self.naam, None, n, kop)
                if key == "organisaties":
                    self.organisaties = [(x, w) for x in re.split(r"[,;]", v) if x.strip()]
                else:
                    self.sessie[key], self.sessie_waar[key] = v, w
        self.sessie_waar.setdefault("datum", waar(self.naam, None, 2, CSV_SESSIE["datum"]))


def _lees_bestand(path: Path, gebied: _Gebied) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One session: its record and its per-buurt input rows (validated)."""
    f = _Bestand(path)
    gemeente, gemeentenaam, codes = gebied.gemeente, gebied.gemeentenaam, gebied.codes
    kop_set = set(f.kop)
    if KOL_CODE not in kop_set and KOL_NAAM not in kop_set:
        raise WijkscanError(
            f"Kolom '{KOL_CODE}' en kolom '{KOL_NAAM}' ontbreken: wijkscan weet niet welke "
            "regel bij welke buurt hoort.",
            waar=waar(f.naam, f.blad, 1),
            oplossing=f"Laat de kolommen '{KOL_CODE}' en '{KOL_NAAM}' staan zoals wijkscan ze maakte.",
        )
    invul = {v: k for k, v in INVULKOLOMMEN.items()}
    if not kop_set & set(invul):
        raise WijkscanError(
            "Geen van de invulkolommen staat in het bestand "
            f"({', '.join(INVULKOLOMMEN.values())}).",
            waar=waar(f.naam, f.blad, 1),
            oplossing="Gebruik het werkboek dat wijkscan maakte en verander de kolomkoppen niet.",
        )
    bekend = {KOL_CODE, KOL_NAAM, *invul, *CSV_SESSIE.values()}
    for kop in f.kop:
        if kop in bekend or not kop:
            continue
        close = difflib.get_close_matches(kop, list(invul), n=1, cutoff=0.75)
        gevuld = next((n for n, r in f.rijen if cel_tekst(r.get(kop)).strip()), None)
        if close and gevuld is not None:
            raise WijkscanError(
                f"Onbekende kolom '{kop}' (bedoelt u '{close[0]}'?); wat erin staat, zou "
                "verloren gaan.",
                waar=waar(f.naam, f.blad, 1, kop),
                oplossing=f"Zet de kolomkop terug op '{close[0]}'.",
            )
    # The session itself.
    gm_code = cel_tekst(f.sessie.get("gemeentecode")).strip().upper()
    if gm_code and gm_code != gemeente:
        raise WijkscanError(
            f"Dit werkboek is van gemeente {gm_code}, niet van {gemeentenaam} ({gemeente}).",
            waar=f.sessie_waar.get("gemeentecode", f.naam),
            oplossing="Gebruik het werkboek van de juiste gemeente, of zet de gemeentecode terug.",
        )
    if cel_tekst(f.sessie.get("datum")).strip() == "":
        raise WijkscanError(
            "De datum van de sessie ontbreekt.",
            waar=f.sessie_waar.get("datum", f.naam),
            oplossing="Vul de datum van de sessie in, bijvoorbeeld 12-03-2025.",
        )
    datum = datum_van(f.sessie["datum"], f.sessie_waar["datum"])
    plaats = cel_tekst(f.sessie.get("plaats")).strip()
    geen_formule(f.sessie.get("plaats"), f.sessie_waar.get("plaats", f.naam))
    deelnemers = None
    ruw = f.sessie.get("deelnemers")
    if cel_tekst(ruw).strip():
        try:
            deelnemers = int(cel_tekst(ruw).strip())
            ok = 1 <= deelnemers <= 999
        except ValueError:
            ok = False
        if not ok:
            raise WijkscanError(
                f"'{cel_tekst(ruw)}' is geen geldig aantal deelnemers.",
                waar=f.sessie_waar["deelnemers"],
                oplossing="Vul een heel getal in (bijvoorbeeld 14), of laat de cel leeg.",
            )
    organisaties = list(
        dict.fromkeys(
            keuze(cel_tekst(v), ORGANISATIES, w, "soort organisatie") for v, w in f.organisaties
        )
    )
    sessie = {
        "bestand": str(path),
        "datum": datum.isoformat(),
        "plaats": plaats,
        "deelnemers": deelnemers,
        "organisaties": organisaties,
    }
    # The buurt rows.
    uit: list[dict[str, Any]] = []
    eerder: dict[str, int] = {}
    for n, r in f.rijen:
        for kop, v in r.items():
            if isinstance(v, str) and kop:
                privacy(v, waar(f.naam, f.blad, n, kop))
        waarden: dict[str, str] = {}
        for kop, key in invul.items():
            v = r.get(kop)
            w = waar(f.naam, f.blad, n, kop)
            geen_formule(v, w)
            waarden[key] = cel_tekst(v).strip() if key not in VRIJE_TEKST else cel_tekst(v)
        if not any(v.strip() for v in waarden.values()):
            continue  # a buurt the table did not talk about
        code = _buurt(cel_tekst(r.get(KOL_CODE)).strip(), cel_tekst(r.get(KOL_NAAM)).strip(),
                      gebied, f, n)  # fmt: skip
        if code in eerder:
            raise WijkscanError(
                f"Buurt {codes[code]} ({code}) staat twee keer in dit bestand: rij {eerder[code]} "
                f"en rij {n}.",
                waar=waar(f.naam, f.blad, n, KOL_CODE),
                oplossing="Zet alles over deze buurt op één regel (of verdeel het over twee "
                "sessiebestanden als het twee sessies waren).",
            )
        eerder[code] = n
        for key in VRIJE_TEKST:
            if len(waarden[key]) > MAX_TEKST:
                raise WijkscanError(
                    f"De tekst is {len(waarden[key])} tekens lang; hoogstens {MAX_TEKST} past in "
                    "rapport en vouwkaart.",
                    waar=waar(f.naam, f.blad, n, INVULKOLOMMEN[key]),
                    oplossing="Vat de tekst samen, of verdeel hem over Signalen en Zorgen.",
                )

        def w(key: str, n: int = n) -> str:
            return waar(f.naam, f.blad, n, INVULKOLOMMEN[key])

        soorten = [
            keuze(x, SOORTEN, w("soort"), "soort initiatief")
            for x in re.split(r"[,;]", waarden["soort"])
            if x.strip()
        ]
        soorten = list(dict.fromkeys(soorten))
        proef = waarden["proefbuurt"].lower()
        proefbuurt = None
        if proef:
            proefbuurt = (
                keuze(
                    {"true": "ja", "false": "nee"}.get(proef, proef),
                    JA_NEE,
                    w("proefbuurt"),
                    "keuze (ja/nee)",
                )
                == "ja"
            )
        aan_tafel = [
            keuze(x, ORGANISATIES, w("aan_tafel"), "soort organisatie")
            for x in re.split(r"[,;]", waarden["aan_tafel"])
            if x.strip()
        ]
        uit.append(
            {
                "code": code,
                "naam": codes[code],
                "signalen": waarden["signalen"].strip(),
                "initiatieven": waarden["initiatieven"].strip(),
                # Several kinds in one cell ("ontmoetingsplek; buurthulp of vrijwilligers"):
                # 'soorten' for the map symbols, 'soort' as the printed text.
                "soort": ", ".join(soorten),
                "soorten": soorten,
                "zorgen": waarden["zorgen"].strip(),
                "proefbuurt": proefbuurt,
                "waarom": waarden["waarom"].strip(),
                "aan_tafel": list(dict.fromkeys(aan_tafel)),
                "bron": waar(Path(f.naam).name, f.blad, n),
            }
        )
    if not uit:
        raise WijkscanError(
            "Er is niets ingevuld: geen enkele buurt heeft signalen, initiatieven, zorgen of een "
            "proefbuurtvoorstel.",
            waar=waar(f.naam, f.blad),
            oplossing="Vul het werkboek in, of haal het uit bronnen.sessies.pad.",
        )
    return sessie, uit


def _buurt(ruw: str, naam: str, gebied: _Gebied, f: _Bestand, n: int) -> str:
    """The buurt code of one input row (by code, else by name), or a Dutch error.

    A buurt name typed in the code column is looked up as a name; a wijk (by name or
    code) is refused with its buurten, since the products speak per buurt.
    """
    code, codes = ruw.upper(), gebied.codes
    gemeente, gemeentenaam = gebied.gemeente, gebied.gemeentenaam
    kolom = KOL_NAAM
    if code and code not in codes and not _BUURTCODE.fullmatch(code):
        if not naam or naam.lower() == ruw.lower():
            # A name (of a buurt or a wijk) in the code column: read it as a name.
            naam, code, kolom = ruw, "", KOL_CODE
    if code:
        w = waar(f.naam, f.blad, n, KOL_CODE)
        if _BUURTCODE.fullmatch(code) and fmt.gemeente_van(code) != gemeente:
            raise WijkscanError(
                f"Buurtcode {code} is een buurt van een andere gemeente ({fmt.gemeente_van(code)}), "
                f"niet van {gemeentenaam} ({gemeente}).",
                waar=w,
                oplossing="Zet deze regel in het werkboek van die gemeente, of verbeter de code.",
            )
        if code not in codes and code.lower() in gebied.wijken:
            raise _wijk_fout(ruw, gebied, w)
        if code not in codes:
            lijkt = fmt.lijkende_codes(code, codes)
            raise WijkscanError(
                f"Onbekende buurtcode '{code}' in {gemeentenaam}"
                + (f" (bedoelt u {', '.join(lijkt)}?)." if lijkt else "."),
                waar=w,
                oplossing="Gebruik de buurtcode uit het werkboek dat wijkscan maakte.",
            )
        if naam and naam.lower() != codes[code].strip().lower():
            raise WijkscanError(
                f"Buurtcode {code} hoort bij '{codes[code]}', maar in kolom '{KOL_NAAM}' staat "
                f"'{naam}'.",
                waar=waar(f.naam, f.blad, n, KOL_NAAM),
                oplossing="Zet code en naam van dezelfde buurt op de regel (of maak de naam leeg).",
            )
        return code
    w = waar(f.naam, f.blad, n, kolom)
    if not naam:
        raise WijkscanError(
            "Deze regel is ingevuld, maar heeft geen buurtcode en geen buurtnaam.",
            waar=w,
            oplossing=f"Vul '{KOL_CODE}' of '{KOL_NAAM}' in.",
        )
    found = gebied.per_naam.get(naam.lower(), [])
    if len(found) > 1:
        raise WijkscanError(
            f"Er zijn meer buurten met de naam '{naam}' ({', '.join(found)}).",
            waar=w,
            oplossing=f"Vul in kolom '{KOL_CODE}' de buurtcode in.",
        )
    if not found and naam.lower() in gebied.wijken:
        raise _wijk_fout(naam, gebied, w)
    if not found:
        close = difflib.get_close_matches(naam, list(codes.values()), n=3, cutoff=0.6)
        raise WijkscanError(
            f"Onbekende buurt '{naam}' in {gemeentenaam}"
            + (f" (bedoelt u {', '.join(repr(c) for c in close)}?)." if close else "."),
            waar=w,
            oplossing="Gebruik de buurtnamen uit het werkboek dat wijkscan maakte, of vul de "
            "buurtcode in.",
        )
    return found[0]


def _wijk_fout(tekst: str, gebied: _Gebied, w: str) -> WijkscanError:
    wijk, buurten = gebied.wijken[tekst.lower()]
    return WijkscanError(
        f"'{tekst}' is een wijk, geen buurt: wijk {wijk} bestaat uit de buurten "
        f"{fmt.opsomming(buurten) or '(geen)'}.",
        waar=w,
        oplossing="Wijkscan leest per buurt: zet wat de tafel over deze wijk schreef op de "
        "regel van elke buurt waar het over gaat (één regel per buurt).",
    )


# ----------------------------------------------------------------------- all files


def lees_sessies(
    paths: Iterable[str | Path], indicatoren: pd.DataFrame, gemeente: str, gemeentenaam: str
) -> dict[str, Any]:
    """Read and check every session file of one gemeente.

    Parameters
    ----------
    paths
        Session workbooks (``.xlsx``) or CSVs, each one session.
    indicatoren
        Published indicator table (the buurten: codes and names).
    gemeente, gemeentenaam
        Code and name of the gemeente.

    Returns
    -------
    dict
        ``{"gemeente", "gemeentenaam", "sessies": [{bestand, datum, plaats, deelnemers,
        organisaties}], "inbreng": [{sessie (index), code, naam, signalen, initiatieven,
        soort (text), soorten (list), zorgen, proefbuurt, waarom, aan_tafel, bron}]}``;
        sessions in date order.

    Raises
    ------
    WijkscanError
        For the first problem, with file, sheet, row, column and fix.
    """
    gebied = _Gebied.van(indicatoren, gemeente, gemeentenaam)
    gelezen = [_lees_bestand(Path(p), gebied) for p in paths]
    gelezen.sort(key=lambda x: (x[0]["datum"], x[0]["bestand"]))
    sessies, inbreng = [], []
    for i, (sessie, rijen) in enumerate(gelezen):
        sessies.append(sessie)
        inbreng += [{"sessie": i, **r} for r in rijen]
    return {
        "gemeente": gemeente,
        "gemeentenaam": gemeentenaam,
        "sessies": sessies,
        "inbreng": inbreng,
    }
