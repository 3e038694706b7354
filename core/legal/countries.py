"""Per-country facts the notices name: the data protection authority and law, the law that
transposes the web accessibility directive, and the body of its enforcement procedure.

The facts depend on the municipality's country, not on the language a page is read in: a
Bulgarian municipality's statement read in English still names the Bulgarian bodies. Each fact is
written in the four languages of the platform (the body's own name kept beside a translation).
Legal data, not interface text: reviewed here rather than in the gettext catalogues. Keep them
current: a body that is renamed or moves is changed here, in one place.
"""

from __future__ import annotations

from typing import Any

FACTS: dict[str, dict[str, dict[str, str]]] = {
    "GR": {
        "supervisory_authority": {
            "el": "Αρχή Προστασίας Δεδομένων Προσωπικού Χαρακτήρα, Λεωφ. Κηφισίας 1-3, 115 23 Αθήνα, "
            "www.dpa.gr, complaints@dpa.gr",
            "en": "Hellenic Data Protection Authority (Αρχή Προστασίας Δεδομένων Προσωπικού Χαρακτήρα), "
            "1-3 Kifisias Avenue, 115 23 Athens, www.dpa.gr, complaints@dpa.gr",
            "bg": "Орган за защита на личните данни на Гърция (Αρχή Προστασίας Δεδομένων Προσωπικού "
            "Χαρακτήρα), бул. „Кифисиас“ 1-3, 115 23 Атина, www.dpa.gr, complaints@dpa.gr",
            "ro": "Autoritatea elenă pentru protecția datelor cu caracter personal (Αρχή Προστασίας "
            "Δεδομένων Προσωπικού Χαρακτήρα), Bd. Kifisias 1-3, 115 23 Atena, www.dpa.gr, "
            "complaints@dpa.gr",
        },
        "data_protection_law": {
            "el": "ν. 4624/2019 (Α΄ 137)",
            "en": "Greek Law 4624/2019",
            "bg": "Закон 4624/2019 на Гърция",
            "ro": "Legea elenă nr. 4624/2019",
        },
        "accessibility_law": {
            "el": "ν. 4591/2019 (Α΄ 19), Μέρος Β΄",
            "en": "Greek Law 4591/2019, Part B",
            "bg": "Закон 4591/2019 на Гърция, част II",
            "ro": "Legea elenă nr. 4591/2019, partea a II-a",
        },
        "enforcement_body": {
            "el": "Συνήγορος του Πολίτη, Χαλκοκονδύλη 17, 104 32 Αθήνα, www.synigoros.gr",
            "en": "The Greek Ombudsman (Συνήγορος του Πολίτη), 17 Chalkokondyli Street, 104 32 Athens, "
            "www.synigoros.gr",
            "bg": "Омбудсманът на Гърция (Συνήγορος του Πολίτη), ул. „Халкокондили“ 17, 104 32 Атина, "
            "www.synigoros.gr",
            "ro": "Avocatul Poporului din Grecia (Συνήγορος του Πολίτη), str. Chalkokondyli nr. 17, "
            "104 32 Atena, www.synigoros.gr",
        },
    },
    "BG": {
        "supervisory_authority": {
            "bg": "Комисия за защита на личните данни, бул. „Проф. Цветан Лазаров“ № 2, София 1592, "
            "www.cpdp.bg, kzld@cpdp.bg",
            "en": "Commission for Personal Data Protection (Комисия за защита на личните данни), "
            "2 Prof. Tsvetan Lazarov Blvd., Sofia 1592, www.cpdp.bg, kzld@cpdp.bg",
            "el": "Επιτροπή Προστασίας Προσωπικών Δεδομένων της Βουλγαρίας (Комисия за защита на "
            "личните данни), Λεωφ. Prof. Tsvetan Lazarov 2, 1592 Σόφια, www.cpdp.bg, kzld@cpdp.bg",
            "ro": "Comisia pentru protecția datelor cu caracter personal din Bulgaria (Комисия за "
            "защита на личните данни), Bd. Prof. Țvetan Lazarov nr. 2, Sofia 1592, www.cpdp.bg, "
            "kzld@cpdp.bg",
        },
        "data_protection_law": {
            "bg": "Закон за защита на личните данни",
            "en": "Bulgarian Personal Data Protection Act (Закон за защита на личните данни)",
            "el": "βουλγαρικός νόμος για την προστασία των προσωπικών δεδομένων (Закон за защита на "
            "личните данни)",
            "ro": "Legea bulgară privind protecția datelor cu caracter personal (Закон за защита на "
            "личните данни)",
        },
        "accessibility_law": {
            "bg": "чл. 58в от Закона за електронното управление и Наредбата за общите изисквания към "
            "информационните системи, регистрите и електронните административни услуги",
            "en": "Art. 58c of the Bulgarian e-Government Act (Закон за електронното управление)",
            "el": "άρθρο 58γ του βουλγαρικού νόμου για την ηλεκτρονική διακυβέρνηση (Закон за "
            "електронното управление)",
            "ro": "art. 58c din Legea bulgară privind guvernarea electronică (Закон за електронното "
            "управление)",
        },
        "enforcement_body": {
            "bg": "Министерство на електронното управление, ул. „Ген. Йосиф В. Гурко“ № 6, София 1000, "
            "www.egov.government.bg",
            "en": "Ministry of e-Government of Bulgaria (Министерство на електронното управление), "
            "6 Gen. Yosif V. Gurko Street, Sofia 1000, www.egov.government.bg",
            "el": "Υπουργείο Ηλεκτρονικής Διακυβέρνησης της Βουλγαρίας (Министерство на електронното "
            "управление), οδός Gen. Yosif V. Gurko 6, 1000 Σόφια, www.egov.government.bg",
            "ro": "Ministerul Guvernării Electronice din Bulgaria (Министерство на електронното "
            "управление), str. Gen. Iosif V. Gurko nr. 6, Sofia 1000, www.egov.government.bg",
        },
    },
    "RO": {
        "supervisory_authority": {
            "ro": "Autoritatea Națională de Supraveghere a Prelucrării Datelor cu Caracter Personal "
            "(ANSPDCP), B-dul G-ral. Gheorghe Magheru nr. 28-30, sector 1, București, "
            "www.dataprotection.ro, anspdcp@dataprotection.ro",
            "en": "National Supervisory Authority for Personal Data Processing (Autoritatea Națională de "
            "Supraveghere a Prelucrării Datelor cu Caracter Personal, ANSPDCP), 28-30 G-ral Gheorghe "
            "Magheru Blvd., Sector 1, Bucharest, www.dataprotection.ro, anspdcp@dataprotection.ro",
            "el": "Εθνική Εποπτική Αρχή Επεξεργασίας Δεδομένων Προσωπικού Χαρακτήρα της Ρουμανίας "
            "(ANSPDCP), Λεωφ. G-ral Gheorghe Magheru 28-30, Τομέας 1, Βουκουρέστι, "
            "www.dataprotection.ro, anspdcp@dataprotection.ro",
            "bg": "Национален надзорен орган за обработването на лични данни на Румъния (ANSPDCP), "
            "бул. „Генерал Георге Магеру“ № 28-30, сектор 1, Букурещ, www.dataprotection.ro, "
            "anspdcp@dataprotection.ro",
        },
        "data_protection_law": {
            "ro": "Legea nr. 190/2018 privind măsuri de punere în aplicare a Regulamentului (UE) 2016/679",
            "en": "Romanian Law no. 190/2018 implementing Regulation (EU) 2016/679",
            "el": "ρουμανικός νόμος 190/2018 για την εφαρμογή του Κανονισμού (ΕΕ) 2016/679",
            "bg": "Закон № 190/2018 на Румъния за прилагане на Регламент (ЕС) 2016/679",
        },
        "accessibility_law": {
            "ro": "Ordonanța de urgență a Guvernului nr. 112/2018 privind accesibilitatea site-urilor "
            "web și a aplicațiilor mobile ale organismelor din sectorul public, aprobată prin Legea "
            "nr. 90/2019",
            "en": "Romanian Government Emergency Ordinance no. 112/2018 on the accessibility of the "
            "websites and mobile applications of public sector bodies, approved by Law no. 90/2019",
            "el": "ρουμανική κατεπείγουσα κυβερνητική διάταξη 112/2018 για την προσβασιμότητα των "
            "ιστοτόπων και των εφαρμογών για φορητές συσκευές των φορέων του δημόσιου τομέα",
            "bg": "Извънредна правителствена наредба № 112/2018 на Румъния за достъпността на "
            "уебсайтовете и мобилните приложения на организациите от обществения сектор",
        },
        "enforcement_body": {
            "ro": "Autoritatea pentru Digitalizarea României (ADR), Bd. Libertății nr. 14, sector 5, "
            "București, www.adr.gov.ro; de asemenea, instanța de contencios administrativ competentă, "
            "potrivit Legii contenciosului administrativ nr. 554/2004",
            "en": "Romanian Digitalisation Authority (Autoritatea pentru Digitalizarea României, ADR), "
            "14 Libertății Blvd., Sector 5, Bucharest, www.adr.gov.ro; and the competent administrative "
            "court under Law no. 554/2004",
            "el": "Αρχή Ψηφιοποίησης της Ρουμανίας (Autoritatea pentru Digitalizarea României, ADR), "
            "Λεωφ. Libertății 14, Τομέας 5, Βουκουρέστι, www.adr.gov.ro· επίσης το αρμόδιο διοικητικό "
            "δικαστήριο, κατά τον νόμο 554/2004",
            "bg": "Орган за цифровизация на Румъния (Autoritatea pentru Digitalizarea României, ADR), "
            "бул. „Либертъций“ № 14, сектор 5, Букурещ, www.adr.gov.ro; както и компетентният "
            "административен съд съгласно Закон № 554/2004",
        },
    },
}

#: For a country without facts here: wording that sends the reader to the right kind of body.
GENERIC: dict[str, dict[str, str]] = {
    "supervisory_authority": {
        "el": "η εθνική εποπτική αρχή προστασίας δεδομένων της χώρας του δήμου",
        "bg": "националният надзорен орган за защита на данните в държавата на общината",
        "ro": "autoritatea națională de supraveghere a protecției datelor din țara primăriei",
        "en": "the national data protection supervisory authority of the municipality's country",
    },
    "data_protection_law": {
        "el": "η εθνική νομοθεσία για την προστασία των δεδομένων",
        "bg": "националното законодателство за защита на данните",
        "ro": "legislația națională privind protecția datelor",
        "en": "the national data protection law",
    },
    "accessibility_law": {
        "el": "η εθνική νομοθεσία με την οποία ενσωματώθηκε η Οδηγία (ΕΕ) 2016/2102",
        "bg": "националното законодателство, с което е транспонирана Директива (ЕС) 2016/2102",
        "ro": "legislația națională de transpunere a Directivei (UE) 2016/2102",
        "en": "the national law transposing Directive (EU) 2016/2102",
    },
    "enforcement_body": {
        "el": "ο εθνικός φορέας που είναι αρμόδιος για τη διαδικασία επιβολής της Οδηγίας (ΕΕ) 2016/2102",
        "bg": "националният орган, отговорен за процедурата по прилагане на Директива (ЕС) 2016/2102",
        "ro": "organismul național responsabil de procedura de aplicare a Directivei (UE) 2016/2102",
        "en": "the national body responsible for the enforcement procedure of Directive (EU) 2016/2102",
    },
}

FACT_NAMES = tuple(GENERIC)


def fact(country: str | None, name: str, locale: str) -> str:
    """One fact about ``country`` in ``locale`` (English, then the generic wording, as fallbacks)."""
    by_lang: dict[str, Any] = FACTS.get((country or "").upper(), {}).get(name) or GENERIC[name]
    return by_lang.get(locale) or by_lang.get("en") or GENERIC[name]["en"]
