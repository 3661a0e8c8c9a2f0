"""The center editor: data round trips, live validation, keyboard access and layout."""

from __future__ import annotations

import re
from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDialogButtonBox, QLabel, QLineEdit, QWidget

from directory_app.core.directory.editing import load_center, save_center
from directory_app.core.directory.vocab import CenterKind
from directory_app.gui.edit_dialog import CenterEditDialog
from directory_app.gui.edit_pages import PRIVACY_HINT
from directory_app.gui.edit_widgets import CodeCombo, NumberEdit, TriStateCombo
from tests.editing_samples import sample_center


@pytest.fixture
def stored(empty_store) -> dict:
    """The sample center as the database hands it back (id, uid, version, provenance)."""
    data = sample_center(
        red_flags=[{"kind": "other", "description": "Advertises on social media",
                    "evidence_url": "https://example.org/ad"}],
        eligibility_notes="Relapsing disease", insurance_notes="Medicare",
    )  # fmt: skip
    with empty_store.session() as s:
        center_id = save_center(s, data, expected_version=None, today=date(2025, 3, 14))
        return load_center(s, center_id)


def make(qtbot, data) -> CenterEditDialog:
    dialog = CenterEditDialog(data)
    qtbot.addWidget(dialog)
    return dialog


def save_button(dialog: CenterEditDialog):
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Save)


def problems(dialog: CenterEditDialog) -> list[str]:
    return [dialog.problems.item(i).text() for i in range(dialog.problems.count())]


def test_unchanged_center_round_trips_exactly(qtbot, stored):
    dialog = make(qtbot, stored)
    assert dialog.result_data() == stored
    assert save_button(dialog).isEnabled()


def test_new_center_needs_a_name_before_it_can_be_saved(qtbot):
    dialog = make(qtbot, None)
    assert not save_button(dialog).isEnabled()
    assert problems(dialog) == ["Name is required."]
    dialog._fields["name"].setText("Riverside Clinic")
    assert save_button(dialog).isEnabled()
    data = dialog.result_data()
    assert data["name"] == "Riverside Clinic"
    assert "id" not in data
    assert data["kind"] is None and data["insurance_accepted"] is None
    assert data["therapies"] == [] and data["contacts"] == []


@pytest.mark.parametrize("value", [None, True, False])
def test_tri_state_answers_round_trip_including_unknown(qtbot, stored, value):
    stored.update(insurance_accepted=value, requires_failed_conventional=value,
                  payment_plans=value, financial_assistance=value, trial_reduced_cost=value)
    data = make(qtbot, stored).result_data()
    for field in ("insurance_accepted", "requires_failed_conventional", "payment_plans",
                  "financial_assistance", "trial_reduced_cost"):
        assert data[field] is value


def test_empty_number_fields_mean_unknown(qtbot, stored):
    dialog = make(qtbot, stored)
    for field in ("age_min", "age_max", "cost_min_usd", "cost_max_usd", "typical_stay_days"):
        dialog._fields[field].clear()
    dialog._fields["cost_max_usd"].setText("$125,000")
    data = dialog.result_data()
    assert (data["age_min"], data["age_max"], data["cost_min_usd"]) == (None, None, None)
    assert data["cost_max_usd"] == 125000
    assert save_button(dialog).isEnabled()


def test_out_of_range_latitude_is_marked_red_listed_and_blocks_saving(qtbot, stored):
    dialog = make(qtbot, stored)
    latitude = dialog._fields["latitude"]
    latitude.setText("95")
    assert latitude.property("invalid") is True
    assert "between -90 and 90" in latitude.toolTip()
    assert problems(dialog) == ["Latitude must be between -90 and 90."]
    assert not save_button(dialog).isEnabled()
    assert not dialog.tabs.tabIcon(0).isNull()  # the tab with the problem says so
    dialog.accept()
    assert dialog.result() == 0  # refused while invalid
    latitude.setText("41.9")
    assert not latitude.property("invalid")
    assert save_button(dialog).isEnabled()
    assert dialog.tabs.tabIcon(0).isNull()


def test_coordinate_that_is_not_a_number_is_refused(qtbot, stored):
    dialog = make(qtbot, stored)
    dialog._fields["longitude"].setText("west")
    assert problems(dialog) == ["Longitude must be a number."]


@pytest.mark.parametrize(
    "field, text, message",
    [
        ("website", "www.example.org", "Website must be a web address"),
        ("email", "referrals-at-example", "Email must look like"),
        ("cost_min_usd", "500,000", "Lowest cost (USD) must not be above the highest cost"),
        ("age_min", "70", "Minimum age (years) must not be above the maximum age"),
        ("age_max", "130", "Maximum age (years) must be between 0 and 120"),
    ],
)
def test_bad_values_are_refused_with_the_field_named(qtbot, stored, field, text, message):
    dialog = make(qtbot, stored)
    dialog._fields[field].setText(text)
    assert problems(dialog)[0].startswith(message)
    assert dialog._fields[field].property("invalid") is True
    assert not save_button(dialog).isEnabled()


def test_red_flag_evidence_must_be_a_web_link(qtbot, stored):
    dialog = make(qtbot, stored)
    url = dialog.red_flags.widget_for(0, "evidence_url")
    url.setText("ftp://example.org/letter.pdf")
    assert url.property("invalid") is True
    assert problems(dialog) == [
        "Red flag 1 evidence link must be a web address starting with http:// or https://."
    ]


def test_problem_activation_opens_the_tab_and_focuses_the_field(qtbot, stored):
    dialog = make(qtbot, stored)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog._fields["cost_max_usd"].setText("abc")
    assert dialog.tabs.currentIndex() == 0
    dialog._go_to_problem(dialog.problems.item(0))
    assert dialog.tabs.tabText(dialog.tabs.currentIndex()) == "&Costs && insurance"
    assert dialog.focusWidget() is dialog._fields["cost_max_usd"]


def test_contacts_can_be_added_filled_and_removed(qtbot, stored):
    dialog = make(qtbot, stored)
    dialog.contacts.add_button.click()
    assert not save_button(dialog).isEnabled()  # a contact needs a name, phone or email
    row = dialog.contacts.widget_for(1, "role")
    assert isinstance(row, QComboBox)
    row.setCurrentIndex(row.findData("financial_counselor"))
    dialog.contacts.widget_for(1, "email").setText("billing@lakeside.example.org")
    assert save_button(dialog).isEnabled()
    contacts = dialog.result_data()["contacts"]
    assert contacts[1] == {"role": "financial_counselor", "name": None, "phone": None,
                           "email": "billing@lakeside.example.org"}
    dialog.contacts.remove_row(0)
    assert [c["role"] for c in dialog.result_data()["contacts"]] == ["financial_counselor"]


def test_unchanged_facts_keep_provenance_and_changed_ones_drop_it(qtbot, stored):
    dialog = make(qtbot, stored)
    dialog.therapies.routes["hsct_autologous"].set_value("targeted")
    dialog.conditions.boxes["lupus"].setChecked(True)
    data = dialog.result_data()
    assert data["therapies"] == [{"therapy": "hsct_autologous", "delivery": "targeted"}]
    lupus = next(c for c in data["conditions"] if c["condition"] == "lupus")
    assert "source" not in lupus
    ms = next(c for c in data["conditions"] if c["condition"] == "multiple_sclerosis")
    assert ms["source"] == "verified" and ms["verified_on"] == "2025-03-14"


def test_delivery_is_only_editable_for_an_offered_therapy(qtbot, stored):
    dialog = make(qtbot, stored)
    assert dialog.therapies.routes["hsct_autologous"].isEnabled()
    assert not dialog.therapies.routes["msc_adipose"].isEnabled()
    dialog.therapies.boxes["msc_adipose"].setChecked(True)
    assert dialog.therapies.routes["msc_adipose"].isEnabled()


def test_notes_tab_warns_against_patient_identifiers(qtbot, stored):
    dialog = make(qtbot, stored)
    labels = [w.text() for w in dialog.tabs.widget(7).findChildren(QLabel)]
    assert PRIVACY_HINT in labels
    assert "patients" in PRIVACY_HINT


def test_every_field_has_an_accessible_name_and_a_label_that_focuses_it(qtbot, stored):
    dialog = make(qtbot, stored)
    inputs = (QLineEdit, QComboBox)
    for w in dialog.findChildren(QWidget):
        if isinstance(w, inputs) and not isinstance(w.parentWidget(), QComboBox):
            assert w.accessibleName(), w
    buddies = {label.buddy() for label in dialog.findChildren(QLabel) if label.buddy()}
    for field, w in dialog._fields.items():
        assert w in buddies, field


def _mnemonic(text: str) -> str | None:
    m = re.search(r"(?<!&)&([^&])", text.replace("&&", ""))
    return m.group(1).lower() if m else None


def test_mnemonics_do_not_clash_on_any_tab(qtbot, stored):
    dialog = make(qtbot, stored)
    tab_keys = [_mnemonic(dialog.tabs.tabText(i)) for i in range(dialog.tabs.count())]
    assert None not in tab_keys and len(set(tab_keys)) == len(tab_keys)
    for i in range(dialog.tabs.count()):
        page = dialog.tabs.widget(i)
        texts = [w.text() for w in page.findChildren(QLabel)]
        texts += [b.text() for b in page.findChildren(type(dialog.contacts.add_button))]
        keys = [k for k in map(_mnemonic, texts) if k]
        assert len(keys) == len(set(keys)), (dialog.tabs.tabText(i), keys)
        assert not set(keys) & set(tab_keys), (dialog.tabs.tabText(i), keys)


def test_tab_reaches_contact_rows_in_order_before_the_add_button(qtbot, stored):
    dialog = make(qtbot, stored)
    dialog.contacts.add_row({"role": "intake", "name": "Desk"})
    chain, w = [], dialog._fields["website"]
    while len(chain) < 12:
        w = w.nextInFocusChain()
        if w.focusPolicy() & Qt.FocusPolicy.TabFocus and w.isEnabled():
            chain.append(w)
    expected = [dialog.contacts.widget_for(0, f) for f in ("role", "name", "phone", "email")]
    expected.append(dialog.contacts._rows[0].remove)
    expected += [dialog.contacts.widget_for(1, f) for f in ("role", "name", "phone", "email")]
    assert chain[: len(expected)] == expected
    assert chain[len(expected)] is dialog.contacts._rows[1].remove
    assert chain[len(expected) + 1] is dialog.contacts.add_button


def test_plain_text_fields_let_tab_move_on(qtbot, stored):
    dialog = make(qtbot, stored)
    assert dialog._fields["notes"].tabChangesFocus()
    assert dialog._fields["eligibility_notes"].tabChangesFocus()


def test_dialog_fits_a_1280_by_800_screen_without_scrolling_tabs(qtbot, stored):
    dialog = make(qtbot, stored)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.width() <= 1280 and dialog.height() <= 760
    assert dialog.tabs.tabBar().sizeHint().width() <= dialog.tabs.width()
    assert dialog.minimumSizeHint().height() <= 760


def test_code_it_does_not_know_is_kept_unchanged(qtbot):
    combo = CodeCombo(CenterKind)
    qtbot.addWidget(combo)
    combo.set_value("veterinary_clinic")
    assert combo.value() == "veterinary_clinic"
    tri = TriStateCombo()
    qtbot.addWidget(tri)
    for value in (None, True, False):
        tri.set_value(value)
        assert tri.value() is value
    number = NumberEdit(integer=False)
    qtbot.addWidget(number)
    number.set_value(41.89551234)
    assert number.value() == 41.89551234


def test_a_refused_phone_says_why_right_under_the_field(qtbot, stored):
    dialog = make(qtbot, stored)
    dialog.tabs.setCurrentIndex(1)
    dialog.show()
    qtbot.waitExposed(dialog)
    phone = dialog._fields["phone"]
    message = dialog._messages["phone"]
    assert not message.isVisible()
    phone.setText("216-844-11x1")  # the "x" typed for a digit reads as an extension
    assert not save_button(dialog).isEnabled()
    assert message.isVisible()
    assert "ten digits before the extension" in message.text()
    assert message.text()[0].isupper()
    below = message.mapTo(dialog, message.rect().topLeft()).y()
    assert below >= phone.mapTo(dialog, phone.rect().bottomLeft()).y()  # under, not beside
    phone.setText("216-844-1101 x1")
    assert save_button(dialog).isEnabled()
    assert not message.isVisible()


def test_a_refused_contact_phone_says_why_under_its_row(qtbot, stored):
    dialog = make(qtbot, stored)
    dialog.tabs.setCurrentIndex(1)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.contacts.widget_for(0, "phone").setText("312-555-01")
    row_message = dialog.contacts._rows[0].message
    assert row_message.isVisible()
    assert row_message.text().startswith("Phone needs ten digits")
    dialog.contacts.widget_for(0, "phone").setText("312-555-0101")
    assert not row_message.isVisible()
