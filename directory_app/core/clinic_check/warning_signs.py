"""The warning signs FDA and ISSCR publish for patients, as a checklist in our own words.

Each item links the page it comes from. FDA text is public domain, ISSCR text is not, so every
item is our own wording of the published point, never a copy; the links let a reader check.
"""

from __future__ import annotations

from dataclasses import dataclass

FDA_CONSUMER_ALERT = ("FDA consumer alert on regenerative medicine products (2020)",
                      "https://www.fda.gov/vaccines-blood-biologics/consumers-biologics/"
                      "consumer-alert-regenerative-medicine-products-including-stem-cells-and-"
                      "exosomes")  # fmt: skip
FDA_PATIENT_INFO = ("FDA information for patients about regenerative medicine (2021)",
                    "https://www.fda.gov/vaccines-blood-biologics/consumers-biologics/"
                    "important-patient-and-consumer-information-about-regenerative-medicine-"
                    "therapies")  # fmt: skip
FDA_SAFETY_ALERT = ("FDA public safety alert on unapproved stem cell and exosome products (2019)",
                    "https://www.fda.gov/safety/medical-product-safety-information/"
                    "public-safety-alert-due-marketing-unapproved-stem-cell-and-exosome-products")
ISSCR_ASK = ("ISSCR: what to ask a stem cell clinic",
             "http://www.closerlookatstemcells.org/What_to_Ask.html")
ISSCR_UNPROVEN = ("ISSCR Guidelines: unproven cell products",
                  "https://www.isscr.org/policy/guidelines-for-stem-cell-research-and-clinical-"
                  "translation/key-topics/unproven-cell-products")  # fmt: skip


@dataclass(frozen=True)
class WarningSign:
    #: The question to ask of the clinic, phrased so that "yes" is the warning sign.
    text: str
    source: str
    url: str


WARNING_SIGNS: tuple[WarningSign, ...] = (
    WarningSign("The treatment is neither FDA-approved nor given under an FDA-issued "
                "Investigational New Drug number (IND) that the clinic can tell you.",
                *FDA_SAFETY_ALERT),
    WarningSign("You are asked to pay for it, or it is offered outside a registered clinical "
                "trial.", *FDA_PATIENT_INFO),
    WarningSign("A ClinicalTrials.gov listing or an \"FDA registration\" is offered as proof "
                "that the treatment is approved or safe.", *FDA_PATIENT_INFO),
    WarningSign("The clinic says its product is exempt from FDA rules, or a disclaimer or a "
                "\"for research use\" label is meant to settle the question.", *FDA_SAFETY_ALERT),
    WarningSign("The product is fat-derived (SVF), cord blood, Wharton's jelly, amniotic fluid "
                "or exosomes, offered for a condition other than a blood disorder: none is "
                "FDA-approved for that.", *FDA_CONSUMER_ALERT),
    WarningSign("The same cells are offered for many unrelated diseases (multiple sclerosis, "
                "arthritis, autism, ageing ...).", *ISSCR_UNPROVEN),
    WarningSign("The evidence offered is patient stories and testimonials, not published "
                "results.", *ISSCR_ASK),
    WarningSign("The source of the cells, or how the treatment is done (its protocol), is not "
                "clearly documented.", *ISSCR_ASK),
    WarningSign("The clinic says the treatment carries no risk.", *ISSCR_ASK),
)
