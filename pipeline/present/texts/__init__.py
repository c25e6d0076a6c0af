"""Generated Dutch findings for the council report.

Every function here is pure: it reads the published indicator table and returns
structured :class:`Bevinding` objects. A finding never carries a number that is
not in the table (or, for a change in percent, computed from two numbers that
are): each number is a :class:`Cijfer` with the exact table value, the region
code, the year and the indicator key whose registry entry names the source.
The sentence itself is built from the already formatted numbers, so the text
can be checked against the table (``tests/unit/present/test_texts.py`` does).

Text is plain Dutch at B1 level: short sentences, the label of the registry,
"naar schatting" where a number is estimated.

The package's public names, by module:

- :mod:`~pipeline.present.texts.cijfers`: :class:`Cijfer`, :class:`Bevinding` and the
  table lookups;
- :mod:`~pipeline.present.texts.vaste_teksten`: fixed texts (introductions, notes, legends);
- :mod:`~pipeline.present.texts.zinnen`: sentences shared by the summary and the chapters;
- :mod:`~pipeline.present.texts.samenvatting_pagina`: the findings of the summary page;
- :mod:`~pipeline.present.texts.thema_hoofdstukken`: the sentences of each theme chapter.
"""

from pipeline.present.texts.cijfers import (
    Bevinding,
    Cijfer,
    alle_cijfers,
    basisjaar,
    cijfer,
    gemeente_code,
    horizonjaren,
    opzoeken,
    referentie_cijfer,
    rij,
    verandering,
)
from pipeline.present.texts.samenvatting_pagina import (
    eenzaamheid,
    grootste_opgave,
    instellingen,
    samenvatting,
)
from pipeline.present.texts.thema_hoofdstukken import THEMA_TEKSTEN, meeste, thema_bevindingen
from pipeline.present.texts.vaste_teksten import (
    KAART_MARGES_EEN_KLASSE,
    KAART_ZONDER_SIGNAAL,
    MARGES_UITLEG,
    MARGES_UITLEG_AFRONDING,
    NIET_GELADEN,
    NIET_GELADEN_KORT,
    NIET_IN_DATA,
    NUMMERS_IN_DE_LIJST,
    THEMA_INLEIDING,
    UITLEG_STANDAARD,
    alles_fictief,
    fictief_bij,
    fictief_kop,
    fictief_tekst,
    fictief_uitleg,
    marges_noot,
    marges_uitleg,
    uitleg_reden,
    zonder_signaal_zin,
)
from pipeline.present.texts.zinnen import groei_aantal, ontwikkeling, spreiding, wie_van

__all__ = [
    "KAART_MARGES_EEN_KLASSE",
    "KAART_ZONDER_SIGNAAL",
    "MARGES_UITLEG",
    "MARGES_UITLEG_AFRONDING",
    "NIET_GELADEN",
    "NIET_GELADEN_KORT",
    "NUMMERS_IN_DE_LIJST",
    "NIET_IN_DATA",
    "THEMA_INLEIDING",
    "THEMA_TEKSTEN",
    "UITLEG_STANDAARD",
    "Bevinding",
    "Cijfer",
    "alle_cijfers",
    "alles_fictief",
    "basisjaar",
    "cijfer",
    "eenzaamheid",
    "fictief_bij",
    "fictief_kop",
    "fictief_tekst",
    "fictief_uitleg",
    "gemeente_code",
    "groei_aantal",
    "grootste_opgave",
    "horizonjaren",
    "instellingen",
    "marges_noot",
    "marges_uitleg",
    "meeste",
    "ontwikkeling",
    "opzoeken",
    "referentie_cijfer",
    "rij",
    "samenvatting",
    "spreiding",
    "thema_bevindingen",
    "uitleg_reden",
    "verandering",
    "wie_van",
    "zonder_signaal_zin",
]
