"""Contacts, salespeople and the guards on setup data (SPEC 2, 3.9 and 3.10)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from contacts.models import Contact, Customer, Salesperson
from opportunities import services
from opportunities.models import CloseOpportunityCode, Opportunity, OpportunityEntry
from salescycles.models import SalesCycle, SalesCycleStage

D = datetime.date
JAN_20 = D(2024, 1, 20)
FEB_10 = D(2024, 2, 10)
SETUP = [Salesperson, Contact, Customer, SalesCycle, SalesCycleStage, CloseOpportunityCode]


def setup_rows() -> dict:
    models = [*SETUP, Opportunity, OpportunityEntry]
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in models}


def assert_protected(instance):
    """Deleting `instance` is refused with the code "protected" and deletes nothing."""
    before = setup_rows()
    with pytest.raises(ValidationError) as caught:
        instance.delete()
    assert caught.value.code == "protected"
    assert caught.value.messages[0]
    assert setup_rows() == before
    assert type(instance).objects.filter(pk=instance.pk).exists()
    return caught.value


# --- numbers --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_contacts_get_automatic_numbers():
    first = Contact.objects.create(name="Adatum")
    second = Contact.objects.create(name="Litware", type=Contact.Type.COMPANY)
    assert (first.number, second.number) == ("CT000001", "CT000002")


@pytest.mark.django_db
def test_a_deleted_contact_s_number_is_never_handed_out_again():
    Contact.objects.create(name="Adatum")
    last = Contact.objects.create(name="Litware")
    last.delete()
    assert Contact.objects.create(name="Fabrikam").number == "CT000003"


@pytest.mark.django_db
def test_a_contact_keeps_a_number_it_is_given():
    assert Contact.objects.create(number="CT100", name="Adatum").number == "CT100"
    assert Contact.objects.create(name="Litware").number == "CT000001"


@pytest.mark.django_db
def test_customers_get_automatic_numbers():
    contact = Contact.objects.create(name="Adatum")
    assert services.create_customer(contact).number == "CU000001"
    assert Customer.objects.create(name="B", contact=Contact.objects.create(name="B")).number == (
        "CU000002"
    )


@pytest.mark.django_db
def test_contact_numbers_are_unique():
    Contact.objects.create(number="CT100", name="Adatum")
    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.create(number="CT100", name="Copy")


# --- codes ----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "create",
    [
        lambda: Salesperson.objects.create(code="jo", name="Jo"),
        lambda: Salesperson.objects.create(code="Jo", name="Jo"),
        lambda: SalesCycle.objects.create(code="std", description="Standard"),
        lambda: CloseOpportunityCode.objects.create(code="w-price", description="W", type="won"),
    ],
    ids=["salesperson", "salesperson mixed case", "sales cycle", "close code"],
)
def test_the_database_refuses_a_code_that_is_not_upper_case(create):
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


@pytest.mark.django_db
def test_upper_case_codes_are_accepted():
    Salesperson.objects.create(code="JO-1", name="Jo")
    SalesCycle.objects.create(code="STD", description="Standard")
    CloseOpportunityCode.objects.create(code="W-PRICE", description="W", type="won")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "instance",
    [
        lambda: Salesperson(code="jo", name="Jo"),
        lambda: SalesCycle(code="std", description="Standard"),
        lambda: CloseOpportunityCode(code="w-price", description="W", type="won"),
    ],
    ids=["salesperson", "sales cycle", "close code"],
)
def test_validation_upper_cases_a_code(instance):
    instance = instance()
    instance.full_clean()
    assert instance.code == instance.code.upper()
    instance.save()


@pytest.mark.django_db
def test_salesperson_codes_are_unique():
    Salesperson.objects.create(code="JO", name="Jo")
    with pytest.raises(IntegrityError), transaction.atomic():
        Salesperson.objects.create(code="JO", name="Other Jo")


# Codes are path segments of the pages' addresses (/salespeople/JO/, /sales-cycles/STD/).
CODED = {
    "salesperson": lambda code: Salesperson(code=code, name="Someone"),
    "sales cycle": lambda code: SalesCycle(code=code, description="Cycle"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("kind", CODED)
@pytest.mark.parametrize(
    "code",
    [
        *("A/B", 'X"><H1>', "J O", " JO", "JO?", "JO#1", "JO%2F", "A&B", "A\\B"),
        *(".", "..", "-JO", "ÉRIK"),
    ],
)
def test_a_code_a_link_cannot_carry_is_refused_with_a_message(kind, code):
    instance = CODED[kind](code)
    with pytest.raises(ValidationError) as caught:
        instance.full_clean()
    assert [error.code for error in caught.value.error_dict["code"]] == ["invalid_code"]
    assert "letters A to Z" in caught.value.message_dict["code"][0]


@pytest.mark.django_db
@pytest.mark.parametrize("kind", CODED)
@pytest.mark.parametrize("code", ["JO", "jo", "W-PRICE", "A_B.C", "2024", "SP.1"])
def test_a_code_of_letters_digits_and_safe_punctuation_is_accepted_in_upper_case(kind, code):
    instance = CODED[kind](code)
    instance.full_clean()
    instance.save()
    assert type(instance).objects.get(pk=instance.pk).code == code.upper()


@pytest.mark.django_db
def test_a_salesperson_code_may_have_twenty_characters_not_more():
    Salesperson(code="A" * 20, name="Long").full_clean()
    with pytest.raises(ValidationError) as caught:
        Salesperson(code="A" * 21, name="Longer").full_clean()
    assert "code" in caught.value.error_dict


@pytest.mark.django_db
def test_the_admin_shows_why_a_salesperson_code_is_refused(admin_client):
    response = admin_client.post(
        reverse("admin:contacts_salesperson_add"), {"code": "A/B", "name": "Slash"}
    )
    assert response.status_code == 200
    assert "letters A to Z" in response.content.decode()
    assert not Salesperson.objects.exists()
    response = admin_client.post(
        reverse("admin:contacts_salesperson_add"), {"code": "a-b", "name": "Dash"}
    )
    assert response.status_code == 302
    assert Salesperson.objects.get().code == "A-B"


# --- companies and persons ------------------------------------------------------------------


def test_a_company_s_company_is_itself(fx):
    assert fx.CT100.company_contact == fx.CT100


def test_a_person_s_company_is_their_company(fx):
    assert fx.CT101.company_contact == fx.CT100


def test_a_person_without_a_company_has_no_company(fx):
    assert fx.CT300.company_contact is None


def test_a_contact_is_a_customer_when_it_has_one(fx):
    assert fx.CT100.is_customer
    assert not Contact.objects.get(pk=fx.CT200.pk).is_customer


def test_only_a_person_can_belong_to_a_company(fx):
    fx.CT200.company = fx.CT100
    with pytest.raises(ValidationError) as caught:
        fx.CT200.full_clean()
    assert "company" in caught.value.error_dict


def test_a_person_can_only_belong_to_a_company(fx):
    fx.CT300.company = fx.CT101
    with pytest.raises(ValidationError) as caught:
        fx.CT300.full_clean()
    assert "company" in caught.value.error_dict


def test_the_database_refuses_a_company_with_a_company(fx):
    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.filter(pk=fx.CT200.pk).update(company=fx.CT100)


# --- guards on setup data (SPEC 3.9) --------------------------------------------------------


def test_a_salesperson_with_opportunities_cannot_be_deleted(fx, opp_a):
    error = assert_protected(fx.JO)
    assert "JO" in error.messages[0]


def test_a_salesperson_with_closed_opportunities_only_cannot_be_deleted(fx, opp_a):
    services.close_opportunity(opp_a, outcome="lost", close_code=fx.L_COMP, today=JAN_20)
    assert_protected(fx.JO)


def test_a_salesperson_named_only_in_past_entries_cannot_be_deleted(fx, opp_a):
    Opportunity.objects.filter(pk=opp_a.pk).update(salesperson=fx.AH)
    assert not fx.JO.opportunities.exists()
    assert_protected(fx.JO)


def test_a_contact_with_opportunities_cannot_be_deleted(fx, opp_a):
    opportunity = fx.create_opp_a(contact=fx.CT300)
    assert_protected(Contact.objects.get(pk=fx.CT300.pk))
    assert opportunity.contact == fx.CT300


def test_a_sales_cycle_with_opportunities_cannot_be_deleted(fx):
    fx.create_opp_a(activate_first_stage=False)
    assert_protected(fx.STD)


def test_the_stage_an_opportunity_is_on_cannot_be_deleted(fx, opp_a):
    assert_protected(fx.stages[1])


def test_a_close_code_used_by_entries_cannot_be_deleted(fx, opp_a):
    services.close_opportunity(
        opp_a, outcome="won", close_code=fx.W_REL, sales_value=Decimal(10), today=JAN_20
    )
    assert_protected(fx.W_REL)


def test_unused_setup_data_can_be_deleted(fx, opp_a):
    fx.AH.delete()
    Contact.objects.get(pk=fx.CT300.pk).delete()
    fx.stages[5].delete()
    fx.L_PRICE.delete()
    fx.OLD.delete()
    assert not Salesperson.objects.filter(code="AH").exists()
    assert not Contact.objects.filter(number="CT300").exists()
    assert not fx.STD.stages.filter(stage=5).exists()
    assert not CloseOpportunityCode.objects.filter(code="L-PRICE").exists()
    assert not SalesCycle.objects.filter(code="OLD").exists()


def test_a_stage_left_behind_can_be_deleted_and_the_entries_keep_its_description(fx, opp_a):
    services.update_opportunity(opp_a, action="next", today=JAN_20)

    fx.stages[1].delete()

    first = opp_a.entries.order_by("pk").first()
    assert first.stage_description == "Initial"
    assert opp_a.entries.count() == 2


def test_an_unused_sales_cycle_is_deleted_with_its_stages(fx):
    cycle = SalesCycle.objects.create(code="SHORT", description="Short")
    SalesCycleStage.objects.create(sales_cycle=cycle, stage=1, description="Only")
    cycle.delete()
    assert not SalesCycleStage.objects.filter(sales_cycle_id=cycle.pk).exists()


def test_a_contact_s_type_cannot_change_while_opportunities_refer_to_it(fx):
    fx.create_opp_a(contact=fx.CT300)
    contact = Contact.objects.get(pk=fx.CT300.pk)
    contact.type = Contact.Type.COMPANY
    with pytest.raises(ValidationError) as caught:
        contact.full_clean()
    assert "type" in caught.value.error_dict
    assert caught.value.error_dict["type"][0].code == "protected"


def test_a_contact_s_type_can_change_without_opportunities(fx):
    contact = Contact.objects.get(pk=fx.CT300.pk)
    contact.type = Contact.Type.COMPANY
    contact.full_clean()
    contact.save()
    assert Contact.objects.get(pk=fx.CT300.pk).is_company


def test_a_company_with_persons_cannot_become_a_person(fx):
    contact = Contact.objects.get(pk=fx.CT200.pk)
    contact.type = Contact.Type.PERSON
    with pytest.raises(ValidationError) as caught:
        contact.full_clean()
    assert caught.value.error_dict["type"][0].code == "protected"


# --- Opportunity.clean (SPEC 3.9) -----------------------------------------------------------


@pytest.fixture
def other_cycle(db):
    return SalesCycle.objects.create(code="OTHER", description="Other")


def test_the_sales_cycle_can_change_while_not_started(fx, other_cycle):
    opportunity = fx.create_opp_a(activate_first_stage=False)
    opportunity.sales_cycle = other_cycle
    opportunity.full_clean()


def test_the_sales_cycle_cannot_change_once_started(fx, opp_a, other_cycle):
    opp_a.sales_cycle = other_cycle
    with pytest.raises(ValidationError) as caught:
        opp_a.full_clean()
    assert list(caught.value.error_dict) == ["sales_cycle"]
    assert caught.value.error_dict["sales_cycle"][0].code == "protected"


@pytest.mark.parametrize(("start", "to"), [("CT100", "CT101"), ("CT101", "CT100")])
def test_a_started_opportunity_can_move_to_a_contact_of_the_same_company(fx, start, to):
    opportunity = fx.create_opp_a(contact=getattr(fx, start))
    opportunity.contact = getattr(fx, to)
    opportunity.full_clean()


@pytest.mark.parametrize(
    ("start", "to"),
    [("CT100", "CT200"), ("CT101", "CT201"), ("CT100", "CT300"), ("CT300", "CT100")],
)
def test_a_started_opportunity_cannot_move_to_another_company_or_a_loner(fx, start, to):
    opportunity = fx.create_opp_a(contact=getattr(fx, start))
    opportunity.contact = getattr(fx, to)
    with pytest.raises(ValidationError) as caught:
        opportunity.full_clean()
    assert list(caught.value.error_dict) == ["contact"]
    assert caught.value.error_dict["contact"][0].code == "protected"


def test_a_not_started_opportunity_can_move_to_any_contact(fx):
    opportunity = fx.create_opp_a(activate_first_stage=False, contact=fx.CT300)
    opportunity.contact = fx.CT200
    opportunity.full_clean()


def test_the_salesperson_cannot_be_emptied(fx, opp_a):
    opp_a.salesperson = None
    with pytest.raises(ValidationError) as caught:
        opp_a.full_clean()
    assert "salesperson" in caught.value.error_dict


def test_a_blocked_salesperson_or_cycle_cannot_be_chosen(fx, opp_a):
    opp_a.salesperson = fx.BLK
    with pytest.raises(ValidationError) as caught:
        opp_a.full_clean()
    assert caught.value.error_dict["salesperson"][0].code == "blocked"
    assert "BLK" in caught.value.message_dict["salesperson"][0]
    not_started = fx.create_opp_a(activate_first_stage=False)
    not_started.sales_cycle = fx.OLD
    with pytest.raises(ValidationError) as caught:
        not_started.full_clean()
    assert caught.value.error_dict["sales_cycle"][0].code == "blocked"


def test_an_opportunity_whose_salesperson_was_blocked_later_still_validates(fx, opp_a):
    Salesperson.objects.filter(pk=fx.JO.pk).update(blocked=True)
    SalesCycle.objects.filter(pk=fx.STD.pk).update(blocked=True)
    opportunity = Opportunity.objects.get(pk=opp_a.pk)
    opportunity.description = "Renamed"
    opportunity.full_clean()


# --- statistics (SPEC 3.10) -----------------------------------------------------------------


@pytest.fixture
def book(fx, opp_a):
    """OPP-A (CT100, JO, 10,000, current 300) on stage 1; OPP-B (CT101, JO, 20,000, chances 50,
    current 1,000) on stage 1; OPP-C (CT200, AH, 8,000) moved to stage 2 on 2024-01-20 and won
    on 2024-02-10 for 5,000 with W-PRICE; OPP-D (CT100, JO) not started."""
    opp_b = fx.create_opp_a(
        description="B", contact=fx.CT101, estimated_value=Decimal(20000), chances_of_success=50
    )
    opp_c = fx.create_opp_a(
        description="C", contact=fx.CT200, salesperson=fx.AH, estimated_value=Decimal(8000)
    )
    services.update_opportunity(opp_c, action="next", today=JAN_20)
    services.close_opportunity(
        opp_c, outcome="won", close_code=fx.W_PRICE, sales_value=Decimal(5000), today=FEB_10
    )
    opp_d = fx.create_opp_a(description="D", activate_first_stage=False)
    return opp_a, opp_b, opp_c, opp_d


def test_a_salesperson_s_statistics(fx, book):
    figures = fx.JO.statistics()
    assert figures["opportunities"] == 3
    assert figures["estimated_value"] == 30000
    assert figures["current_value"] == 1300
    assert figures["average_estimated_value"] == 15000
    assert figures["average_current_value"] == 650


def test_a_salesperson_s_statistics_include_closed_opportunities(fx, book):
    figures = fx.AH.statistics()
    assert figures["opportunities"] == 1
    assert figures["estimated_value"] == 8000
    assert figures["current_value"] == 5000
    assert figures["average_current_value"] == 5000


def test_a_salesperson_without_opportunities_has_zeros(fx):
    figures = fx.BLK.statistics()
    assert figures["opportunities"] == 0
    assert figures["estimated_value"] == 0
    assert figures["current_value"] == 0
    assert figures["average_estimated_value"] is None


def test_a_company_s_statistics_include_its_persons(fx, book):
    figures = fx.CT100.statistics()
    assert figures["opportunities"] == 3
    assert figures["estimated_value"] == 30000
    assert figures["current_value"] == 1300


def test_a_person_s_statistics(fx, book):
    figures = fx.CT101.statistics()
    assert figures["opportunities"] == 1
    assert figures["estimated_value"] == 20000
    assert figures["current_value"] == 1000


def test_a_sales_cycle_s_statistics_cover_open_started_opportunities(fx, book):
    figures = fx.STD.statistics()
    assert figures["opportunities"] == 2
    assert figures["estimated_value"] == 30000
    assert figures["current_value"] == 1300
    assert figures["average_current_value"] == 650


def test_a_stage_s_statistics(fx, book):
    stage_1 = fx.stages[1].statistics()
    assert stage_1["opportunities"] == 2
    assert stage_1["estimated_value"] == 30000
    assert stage_1["current_value"] == 1300
    assert stage_1["average_days_open"] == 5  # OPP-C stayed five days on stage 1
    stage_2 = fx.stages[2].statistics()
    assert stage_2["opportunities"] == 0
    assert stage_2["estimated_value"] == 0
    assert stage_2["average_days_open"] == 21


def test_a_close_code_s_statistics(fx, book):
    assert fx.W_PRICE.statistics()["opportunities"] == 1
    assert fx.W_REL.statistics()["opportunities"] == 0
    assert fx.L_COMP.statistics()["opportunities"] == 0
