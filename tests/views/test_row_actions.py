"""The list rows' actions: "Next" says where it goes, the other commands are in a labelled
Actions menu, in both languages; the card and the board say "Next" the same way."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from opportunities import services
from opportunities.models import UpdateAction
from tests.factories import OpportunityFactory

pytestmark = pytest.mark.django_db
LIST = reverse("opportunities:list")
# A button or menu entry of a row, and what it holds.
BUTTON = r'<(?:a|button) class="(?:btn|dropdown-item)[^>]*>(.*?)</(?:a|button)>'


def row_of(content: str, number: str) -> str:
    found = re.search(rf'<tr id="row-{number}"[^>]*>.*?</tr>', content, re.S)
    assert found, number
    return found.group()


def visible_words(markup: str) -> str:
    """The text a sighted user reads (visually hidden spans and icons left out)."""
    markup = re.sub(r'<span class="visually-hidden">.*?</span>', "", markup)
    markup = re.sub(r"<svg.*?</svg>", "", markup, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", markup).split())


def move(opportunity, action: UpdateAction) -> None:
    targets = services.available_actions(opportunity)[action]
    services.update_opportunity(opportunity, action=action, to_stage=targets[0])
    opportunity.refresh_from_db()


def test_next_says_the_next_stage_of_the_row_s_own_cycle(fx, client, opp_a):
    row = row_of(client.get(LIST).content.decode(), opp_a.number)
    # OPP-A is on Initial: the next stage of STD is Needs, and Next opens the Update dialog on it.
    update = reverse("opportunities:update", args=[opp_a.number])
    link = re.search(r'<a class="btn btn-sm btn-primary next-button" href="([^"]*)"', row)
    assert link and link.group(1).startswith(update + "?next=")
    assert link.group(1).endswith("&amp;action=next")
    assert "Next: Needs" in visible_words(row)


def test_next_follows_the_row_as_it_moves(fx, client, opp_a):
    move(opp_a, UpdateAction.NEXT)
    assert "Next: Proposal" in visible_words(
        row_of(client.get(LIST).content.decode(), opp_a.number)
    )


def test_a_row_on_the_last_stage_offers_no_next(fx, client, opp_a):
    services.create_quote(opp_a)  # stage 4 requires a quote
    opp_a.refresh_from_db()
    for _stage in range(4):
        move(opp_a, UpdateAction.NEXT)
    assert opp_a.current_stage == fx.stages[5]
    row = row_of(client.get(LIST).content.decode(), opp_a.number)
    assert "next-button" not in row
    assert "Next" not in visible_words(row)
    assert "Update…" in visible_words(row)  # updating on the last stage stays offered


def test_the_other_commands_are_in_a_labelled_actions_menu(fx, client, opp_a):
    not_started = OpportunityFactory(contact=fx.CT100, salesperson=fx.JO, sales_cycle=fx.STD)
    lost = fx.create_opp_a(description="Lost")
    services.close_opportunity(lost, outcome="lost", close_code=fx.L_COMP)
    content = client.get(LIST).content.decode()
    menus = {
        number: re.search(r'<details class="row-menu">.*?</details>', row_of(content, number))
        for number in (opp_a.number, not_started.number, lost.number)
    }
    in_progress = menus[opp_a.number].group()
    assert f'Actions<span class="visually-hidden"> {opp_a.number}</span></summary>' in in_progress
    assert visible_words(in_progress) == "Actions Update… Close… Create quote"
    assert visible_words(menus[not_started.number].group()) == "Actions Activate first stage Close…"
    assert visible_words(menus[lost.number].group()) == "Actions Delete…"
    # No row button is a bare icon: every one has its words.
    for number in menus:
        row = row_of(content, number)
        assert 'aria-label="' not in row
        for button in re.findall(
            r'<(?:a|button) class="(?:btn|dropdown-item)[^>]*>(.*?)</(?:a|button)>', row, re.S
        ):
            assert visible_words(button), button


def test_the_row_s_words_are_in_french(fx, client, opp_a):
    client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    row = row_of(client.get(LIST).content.decode(), opp_a.number)
    assert '<span class="btn-label">Suivant\u00a0: Needs</span>' in row  # no break before ":"
    assert "Actions Mettre à jour… Clôturer… Créer devis" in visible_words(row)


def test_knowing_where_next_goes_costs_the_list_no_statement(fx, client, opp_a):
    """The stages are read in the one query that already told the page which cycles have
    stages: as many statements with one row as with rows on several stages and cycles."""
    with CaptureQueriesContext(connection) as one:
        client.get(LIST)
    move(opp_a, UpdateAction.NEXT)
    for index in range(3):
        fx.create_opp_a(description=f"More {index}")
    OpportunityFactory(contact=fx.CT100, salesperson=fx.JO, sales_cycle=fx.OLD)
    with CaptureQueriesContext(connection) as many:
        content = client.get(LIST).content.decode()
    assert content.count("next-button") == 4
    assert len(many) == len(one)


def test_the_card_says_where_next_goes_and_keeps_update(fx, client, opp_a):
    card = client.get(opp_a.get_absolute_url()).content.decode()
    bar = re.search(r'<div class="action-buttons">.*?</div>', card, re.S).group()
    assert visible_words(bar).startswith("Next: Needs Update")
    assert (
        'class="btn btn-outline-primary" href="'
        + reverse("opportunities:update", args=[opp_a.number])
        in bar
    )  # one primary button: Next


def test_the_update_dialog_opened_from_next_has_next_chosen(fx, client, opp_a):
    move(opp_a, UpdateAction.NEXT)  # on Needs: previous and update are offered too
    url = reverse("opportunities:update", args=[opp_a.number])
    form = client.get(url, {"action": "next"}).context["form"]
    assert form.initial["action"] == UpdateAction.NEXT
    assert form.initial["chances_of_success"] == fx.stages[3].chances_of_success  # Proposal's


def test_the_update_dialog_s_actions_say_where_each_goes(fx, client, opp_a):
    move(opp_a, UpdateAction.NEXT)  # on Needs
    url = reverse("opportunities:update", args=[opp_a.number])
    choices = client.get(url).context["form"].fields["action"].widget.choices
    assert [label for _value, label in choices] == [
        "Next: Proposal",
        "Skip: Proposal to Presentation",
        "Previous: Initial",
        "Update: Needs",
    ]
    client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    content = client.get(url).content.decode()
    assert '<option value="skip">Ignorer\u00a0: de Proposal à Presentation</option>' in content
