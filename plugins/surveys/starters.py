"""Survey templates shipped in el, bg, ro and en: staff start from one and adapt it.

Each question gives its text per language; ``show_if`` is ``(index of an earlier question,
index of its option)``: the question is shown only when that option was chosen.
"""

from typing import Any

from core.toolkit import lazy_gettext as _l
from plugins.surveys.models import Kind

AGREE = {
    "el": ["Διαφωνώ απόλυτα", "Διαφωνώ", "Ούτε συμφωνώ ούτε διαφωνώ", "Συμφωνώ", "Συμφωνώ απόλυτα"],
    "bg": [
        "Напълно несъгласен",
        "Несъгласен",
        "Нито съгласен, нито несъгласен",
        "Съгласен",
        "Напълно съгласен",
    ],
    "ro": ["Dezacord total", "Dezacord", "Nici acord, nici dezacord", "Acord", "Acord total"],
    "en": ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"],
}
YES_NO = {
    "el": ["Ναι", "Όχι", "Δεν είμαι βέβαιος/η"],
    "bg": ["Да", "Не", "Не съм сигурен/сигурна"],
    "ro": ["Da", "Nu", "Nu sunt sigur(ă)"],
    "en": ["Yes", "No", "Not sure"],
}

STARTERS: dict[str, dict[str, Any]] = {
    "ngo_needs": {
        "label": _l("Participation needs and attitudes of NGOs towards the municipality"),
        "title": {
            "el": "Ανάγκες και στάσεις των οργανώσεων της κοινωνίας των πολιτών απέναντι στον Δήμο",
            "bg": "Нужди и нагласи на неправителствените организации към общината",
            "ro": "Nevoile și atitudinile organizațiilor neguvernamentale față de primărie",
            "en": "Needs and attitudes of NGOs towards the municipality",
        },
        "introduction": {
            "el": "Ο Δήμος θέλει να βελτιώσει τους όρους συμμετοχής των οργανώσεων στη λήψη αποφάσεων. Οι απαντήσεις σας θα αξιοποιηθούν στην ανάλυση των πραγματικών αναγκών.",
            "bg": "Общината иска да подобри условията за гражданско участие въз основа на проучване на реалните нужди и нагласи на заинтересованите страни.",
            "ro": "Primăria dorește să îmbunătățească participarea civică pe baza nevoilor reale ale organizațiilor. Răspunsurile dumneavoastră vor sta la baza analizei.",
            "en": "The municipality wants to improve the conditions for civic participation on the basis of the real needs and attitudes of the stakeholders.",
        },
        "questions": [
            {
                "kind": Kind.SINGLE,
                "required": True,
                "prompt": {
                    "el": "Σε ποιον τομέα δραστηριοποιείται κυρίως η οργάνωσή σας;",
                    "bg": "В каква област работи основно вашата организация?",
                    "ro": "În ce domeniu activează în principal organizația dumneavoastră?",
                    "en": "What is your organisation's main field of work?",
                },
                "options": {
                    "el": [
                        "Κοινωνική πρόνοια",
                        "Εκπαίδευση και νεολαία",
                        "Περιβάλλον",
                        "Πολιτισμός",
                        "Υγεία",
                    ],
                    "bg": [
                        "Социални услуги",
                        "Образование и младежи",
                        "Околна среда",
                        "Култура",
                        "Здравеопазване",
                    ],
                    "ro": ["Asistență socială", "Educație și tineret", "Mediu", "Cultură", "Sănătate"],
                    "en": ["Social welfare", "Education and youth", "Environment", "Culture", "Health"],
                },
                "allow_other": True,
            },
            {
                "kind": Kind.LIKERT,
                "required": True,
                "prompt": {
                    "el": "Πόσο συμφωνείτε με τις παρακάτω δηλώσεις;",
                    "bg": "Доколко сте съгласни със следните твърдения?",
                    "ro": "În ce măsură sunteți de acord cu următoarele afirmații?",
                    "en": "How far do you agree with these statements?",
                },
                "rows": {
                    "el": [
                        "Ο Δήμος μας ενημερώνει έγκαιρα για τις διαβουλεύσεις",
                        "Οι προτάσεις μας λαμβάνονται υπόψη",
                        "Γνωρίζουμε σε ποιον να απευθυνθούμε στον Δήμο",
                    ],
                    "bg": [
                        "Общината ни информира навреме за обществените обсъждания",
                        "Предложенията ни се вземат предвид",
                        "Знаем към кого да се обърнем в общината",
                    ],
                    "ro": [
                        "Primăria ne informează din timp despre consultările publice",
                        "Propunerile noastre sunt luate în considerare",
                        "Știm cui să ne adresăm în primărie",
                    ],
                    "en": [
                        "The municipality tells us about consultations in good time",
                        "Our proposals are taken into account",
                        "We know whom to contact at the municipality",
                    ],
                },
                "options": AGREE,
            },
            {
                "kind": Kind.MULTIPLE,
                "prompt": {
                    "el": "Τι θα διευκόλυνε τη συμμετοχή σας;",
                    "bg": "Какво би улеснило участието ви?",
                    "ro": "Ce v-ar ușura participarea?",
                    "en": "What would make it easier for you to take part?",
                },
                "options": {
                    "el": [
                        "Ηλεκτρονική διαβούλευση",
                        "Συναντήσεις το απόγευμα",
                        "Περισσότερος χρόνος για σχόλια",
                        "Κατάρτιση για τις διαδικασίες",
                    ],
                    "bg": [
                        "Онлайн обсъждане",
                        "Срещи следобед",
                        "Повече време за становища",
                        "Обучение за процедурите",
                    ],
                    "ro": [
                        "Consultare online",
                        "Întâlniri după-amiaza",
                        "Mai mult timp pentru recomandări",
                        "Instruire despre proceduri",
                    ],
                    "en": [
                        "Online consultation",
                        "Meetings in the afternoon",
                        "More time to comment",
                        "Training on the procedures",
                    ],
                },
                "allow_other": True,
            },
            {
                "kind": Kind.RANKING,
                "prompt": {
                    "el": "Κατατάξτε τις προτεραιότητες για τον Δήμο (1 = η σημαντικότερη).",
                    "bg": "Подредете приоритетите за общината (1 = най-важният).",
                    "ro": "Ordonați prioritățile pentru primărie (1 = cea mai importantă).",
                    "en": "Rank the priorities for the municipality (1 = the most important).",
                },
                "options": {
                    "el": ["Κοινωνικές υπηρεσίες", "Δημόσιοι χώροι", "Απασχόληση νέων", "Διαφάνεια"],
                    "bg": ["Социални услуги", "Обществени пространства", "Младежка заетост", "Прозрачност"],
                    "ro": ["Servicii sociale", "Spații publice", "Ocuparea tinerilor", "Transparență"],
                    "en": ["Social services", "Public spaces", "Youth employment", "Transparency"],
                },
            },
            {
                "kind": Kind.RATING10,
                "required": True,
                "prompt": {
                    "el": "Πόσο πιθανό είναι να προτείνετε σε άλλη οργάνωση να συνεργαστεί με τον Δήμο; (0–10)",
                    "bg": "Колко вероятно е да препоръчате на друга организация да си сътрудничи с общината? (0–10)",
                    "ro": "Cât de probabil este să recomandați altei organizații să colaboreze cu primăria? (0–10)",
                    "en": "How likely are you to recommend working with the municipality to another organisation? (0–10)",
                },
            },
            {
                "kind": Kind.LONG_TEXT,
                "prompt": {
                    "el": "Τι άλλο θα θέλατε να γνωρίζει ο Δήμος;",
                    "bg": "Какво друго бихте искали общината да знае?",
                    "ro": "Ce altceva ați dori să știe primăria?",
                    "en": "What else would you like the municipality to know?",
                },
            },
        ],
    },
    "satisfaction": {
        "label": _l("Satisfaction with a meeting or a consultation"),
        "title": {
            "el": "Πώς σας φάνηκε η συνάντηση;",
            "bg": "Как оценявате срещата?",
            "ro": "Cum vi s-a părut întâlnirea?",
            "en": "How was the meeting?",
        },
        "introduction": {
            "el": "Λίγα λεπτά για να μας πείτε τι πήγε καλά και τι να βελτιώσουμε.",
            "bg": "Няколко минути, за да ни кажете какво беше добре и какво да подобрим.",
            "ro": "Câteva minute ca să ne spuneți ce a mers bine și ce putem îmbunătăți.",
            "en": "A few minutes to tell us what went well and what to improve.",
        },
        "questions": [
            {
                "kind": Kind.RATING5,
                "required": True,
                "prompt": {
                    "el": "Συνολικά, πόσο ικανοποιημένος/η είστε; (1–5)",
                    "bg": "Като цяло, колко сте доволни? (1–5)",
                    "ro": "Per ansamblu, cât de mulțumit(ă) sunteți? (1–5)",
                    "en": "Overall, how satisfied are you? (1–5)",
                },
            },
            {
                "kind": Kind.LIKERT,
                "prompt": {
                    "el": "Πόσο συμφωνείτε;",
                    "bg": "Доколко сте съгласни?",
                    "ro": "În ce măsură sunteți de acord?",
                    "en": "How far do you agree?",
                },
                "rows": {
                    "el": [
                        "Η ενημέρωση πριν από τη συνάντηση ήταν επαρκής",
                        "Είχα την ευκαιρία να μιλήσω",
                        "Ο χώρος ήταν προσβάσιμος",
                    ],
                    "bg": [
                        "Информацията преди срещата беше достатъчна",
                        "Имах възможност да се изкажа",
                        "Мястото беше достъпно",
                    ],
                    "ro": [
                        "Informarea dinaintea întâlnirii a fost suficientă",
                        "Am avut ocazia să iau cuvântul",
                        "Locul a fost accesibil",
                    ],
                    "en": [
                        "The information before the meeting was enough",
                        "I had the chance to speak",
                        "The venue was accessible",
                    ],
                },
                "options": AGREE,
            },
            {
                "kind": Kind.SINGLE,
                "required": True,
                "prompt": {
                    "el": "Θα συμμετείχατε ξανά;",
                    "bg": "Бихте ли участвали отново?",
                    "ro": "Ați participa din nou?",
                    "en": "Would you take part again?",
                },
                "options": YES_NO,
            },
            {
                "kind": Kind.LONG_TEXT,
                "show_if": (2, 1),
                "prompt": {
                    "el": "Τι θα σας έκανε να έρθετε ξανά;",
                    "bg": "Какво би ви накарало да дойдете отново?",
                    "ro": "Ce v-ar face să veniți din nou?",
                    "en": "What would make you come again?",
                },
            },
            {
                "kind": Kind.SHORT_TEXT,
                "prompt": {
                    "el": "Ένα θέμα για την επόμενη συνάντηση",
                    "bg": "Тема за следващата среща",
                    "ro": "O temă pentru următoarea întâlnire",
                    "en": "A topic for the next meeting",
                },
            },
        ],
    },
    "social_needs": {
        "label": _l("Needs assessment for a local social action plan"),
        "title": {
            "el": "Διερεύνηση αναγκών για το Τοπικό Σχέδιο Κοινωνικής Δράσης",
            "bg": "Проучване на нуждите за местния план за социално включване",
            "ro": "Evaluarea nevoilor pentru planul local de acțiune socială",
            "en": "Needs assessment for the local social action plan",
        },
        "introduction": {
            "el": "Ο Δήμος συγκεντρώνει προτάσεις και στοιχεία από τους κοινωνικούς φορείς για να καταρτίσει το Τοπικό Σχέδιο Κοινωνικής Δράσης.",
            "bg": "Общината събира предложения и данни от социалните партньори, за да изготви местния план за социално включване.",
            "ro": "Primăria adună propuneri și date de la actorii sociali pentru a elabora planul local de acțiune socială.",
            "en": "The municipality gathers proposals and data from the social actors to draw up its local social action plan.",
        },
        "questions": [
            {
                "kind": Kind.SINGLE,
                "required": True,
                "prompt": {
                    "el": "Με ποια ομάδα εργάζεστε ή σε ποια ανήκετε;",
                    "bg": "С коя група работите или към коя принадлежите?",
                    "ro": "Cu ce grup lucrați sau din ce grup faceți parte?",
                    "en": "Which group do you work with or belong to?",
                },
                "options": {
                    "el": [
                        "Ηλικιωμένοι",
                        "Άτομα με αναπηρία",
                        "Οικογένειες με παιδιά",
                        "Άνεργοι",
                        "Ρομά",
                        "Πρόσφυγες και μετανάστες",
                    ],
                    "bg": [
                        "Възрастни хора",
                        "Хора с увреждания",
                        "Семейства с деца",
                        "Безработни",
                        "Роми",
                        "Бежанци и мигранти",
                    ],
                    "ro": [
                        "Vârstnici",
                        "Persoane cu dizabilități",
                        "Familii cu copii",
                        "Șomeri",
                        "Romi",
                        "Refugiați și migranți",
                    ],
                    "en": [
                        "Older people",
                        "People with disabilities",
                        "Families with children",
                        "Unemployed people",
                        "Roma",
                        "Refugees and migrants",
                    ],
                },
                "allow_other": True,
            },
            {
                "kind": Kind.LIKERT,
                "required": True,
                "prompt": {
                    "el": "Πόσο καλύπτονται σήμερα αυτές οι ανάγκες στον Δήμο;",
                    "bg": "Доколко тези нужди са покрити днес в общината?",
                    "ro": "În ce măsură sunt acoperite astăzi aceste nevoi în oraș?",
                    "en": "How well are these needs met in the municipality today?",
                },
                "rows": {
                    "el": [
                        "Στέγαση",
                        "Πρόσβαση στην υγεία",
                        "Απασχόληση",
                        "Φροντίδα παιδιών και ηλικιωμένων",
                    ],
                    "bg": ["Жилище", "Достъп до здравеопазване", "Заетост", "Грижа за деца и възрастни"],
                    "ro": [
                        "Locuire",
                        "Acces la sănătate",
                        "Ocupare",
                        "Îngrijirea copiilor și a vârstnicilor",
                    ],
                    "en": [
                        "Housing",
                        "Access to health care",
                        "Employment",
                        "Care for children and older people",
                    ],
                },
                "options": {
                    "el": ["Καθόλου", "Λίγο", "Μέτρια", "Καλά", "Πολύ καλά"],
                    "bg": ["Изобщо не", "Слабо", "Средно", "Добре", "Много добре"],
                    "ro": ["Deloc", "Puțin", "Moderat", "Bine", "Foarte bine"],
                    "en": ["Not at all", "A little", "Moderately", "Well", "Very well"],
                },
            },
            {
                "kind": Kind.RANKING,
                "prompt": {
                    "el": "Κατατάξτε τις υπηρεσίες που πρέπει να ενισχυθούν πρώτες (1 = η πιο επείγουσα).",
                    "bg": "Подредете услугите, които трябва да се подсилят първо (1 = най-неотложната).",
                    "ro": "Ordonați serviciile care trebuie întărite mai întâi (1 = cel mai urgent).",
                    "en": "Rank the services to strengthen first (1 = the most urgent).",
                },
                "options": {
                    "el": [
                        "Βοήθεια στο Σπίτι",
                        "Κοινωνικό Παντοπωλείο",
                        "Συμβουλευτική",
                        "Μεταφορά ατόμων με κινητικά προβλήματα",
                    ],
                    "bg": [
                        "Домашен социален патронаж",
                        "Социален магазин",
                        "Консултиране",
                        "Транспорт за хора с намалена подвижност",
                    ],
                    "ro": [
                        "Îngrijire la domiciliu",
                        "Magazin social",
                        "Consiliere",
                        "Transport pentru persoane cu mobilitate redusă",
                    ],
                    "en": [
                        "Home care",
                        "Social grocery",
                        "Counselling",
                        "Transport for people with reduced mobility",
                    ],
                },
            },
            {
                "kind": Kind.NUMBER,
                "min_value": 0,
                "max_value": 100000,
                "prompt": {
                    "el": "Πόσα άτομα υποστηρίζει η οργάνωσή σας κάθε μήνα;",
                    "bg": "Колко души подкрепя вашата организация всеки месец?",
                    "ro": "Câte persoane sprijină organizația dumneavoastră în fiecare lună?",
                    "en": "How many people does your organisation support each month?",
                },
            },
            {
                "kind": Kind.SINGLE,
                "prompt": {
                    "el": "Υλοποιείτε πρόγραμμα στο οποίο θα μπορούσε να συμμετάσχει ο Δήμος;",
                    "bg": "Изпълнявате ли програма, в която общината би могла да се включи?",
                    "ro": "Derulați un program la care s-ar putea alătura primăria?",
                    "en": "Do you run a programme the municipality could join?",
                },
                "options": YES_NO,
            },
            {
                "kind": Kind.LONG_TEXT,
                "show_if": (4, 0),
                "prompt": {
                    "el": "Περιγράψτε το σύντομα",
                    "bg": "Опишете я накратко",
                    "ro": "Descrieți-l pe scurt",
                    "en": "Describe it briefly",
                },
            },
            {
                "kind": Kind.LONG_TEXT,
                "prompt": {
                    "el": "Οι προτάσεις σας για το Σχέδιο Κοινωνικής Δράσης",
                    "bg": "Вашите предложения за плана",
                    "ro": "Propunerile dumneavoastră pentru plan",
                    "en": "Your proposals for the plan",
                },
            },
        ],
    },
}


def choices() -> list[tuple[str, Any]]:
    return [(key, starter["label"]) for key, starter in STARTERS.items()]


def text(value: dict[str, Any], locale: str) -> Any:
    return value.get(locale) or value["en"]
