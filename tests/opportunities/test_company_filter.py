"""The list of a company holds its persons' opportunities, through the company each opportunity
keeps (`Opportunity.company`): set from the contact when it is created or changed, and moved
along when a person changes company."""

import pytest
from django.contrib.admin.sites import site
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse

from contacts.models import Contact
from opportunities import services
from opportunities.models import Opportunity
from tests.factories import OpportunityFactory
from tests.postgres import require_postgresql_database

pytestmark = pytest.mark.django_db
LIST = reverse("opportunities:list")


def company_id(opportunity) -> int | None:
    return Opportunity.objects.values_list("company", flat=True).get(pk=opportunity.pk)


def listed(client, contact) -> list[str]:
    response = client.get(LIST, {"contact": contact.number})
    assert response.status_code == 200
    return [row.number for row in response.context["rows"]]


def test_an_opportunity_keeps_its_contact_as_company_when_the_contact_is_a_company(fx, opp_a):
    assert company_id(opp_a) == fx.CT100.pk


def test_an_opportunity_of_a_person_keeps_the_persons_company(fx):
    opportunity = fx.create_opp_a(contact=fx.CT101)
    assert company_id(opportunity) == fx.CT100.pk


def test_an_opportunity_of_a_person_without_a_company_keeps_no_company(fx):
    opportunity = fx.create_opp_a(contact=fx.CT300)
    assert company_id(opportunity) is None


def test_an_opportunity_made_by_the_factory_keeps_its_company_too(fx):
    opportunity = OpportunityFactory(contact=fx.CT201, salesperson=fx.JO, sales_cycle=fx.STD)
    assert company_id(opportunity) == fx.CT200.pk


def test_the_company_list_holds_the_companys_and_its_persons_opportunities(fx, client, admin_user):
    client.force_login(admin_user)
    own = fx.create_opp_a(description="Own")
    robert = fx.create_opp_a(description="Robert's", contact=fx.CT101)
    other = fx.create_opp_a(description="Litware's", contact=fx.CT200)
    sam = fx.create_opp_a(description="Sam's", contact=fx.CT300)
    assert listed(client, fx.CT100) == [robert.number, own.number]
    assert listed(client, fx.CT101) == [robert.number]  # a person: their own only
    assert listed(client, fx.CT200) == [other.number]
    assert listed(client, fx.CT300) == [sam.number]


def test_changing_the_contact_moves_the_opportunity_to_the_new_contacts_company(fx, client):
    opportunity = fx.create_opp_a(activate_first_stage=False)
    services.change_opportunity(opportunity, contact=fx.CT201)
    assert company_id(opportunity) == fx.CT200.pk
    services.change_opportunity(opportunity, contact=fx.CT300)
    assert company_id(opportunity) is None


def test_a_started_opportunity_moved_to_a_person_of_its_company_stays_in_the_company(fx, opp_a):
    services.change_opportunity(opp_a, contact=fx.CT101)
    assert company_id(opp_a) == fx.CT100.pk
    assert list(Opportunity.objects.for_contact(fx.CT100)) == [opp_a]
    assert list(Opportunity.objects.for_contact(fx.CT101)) == [opp_a]


def test_after_a_person_moves_to_another_company_the_lists_follow(fx, client, admin_user):
    client.force_login(admin_user)
    robert = fx.create_opp_a(description="Robert's", contact=fx.CT101)
    own = fx.create_opp_a(description="Litware's", contact=fx.CT200)
    person = Contact.objects.get(pk=fx.CT101.pk)
    person.company = fx.CT200
    person.save()
    assert company_id(robert) == fx.CT200.pk
    assert listed(client, fx.CT100) == []
    assert listed(client, fx.CT200) == [own.number, robert.number]
    person.company = None
    person.save()
    assert company_id(robert) is None
    assert listed(client, fx.CT200) == [own.number]
    assert listed(client, fx.CT101) == [robert.number]


def test_a_person_moved_in_the_admin_takes_their_opportunities_along(fx, client, admin_user):
    robert = fx.create_opp_a(description="Robert's", contact=fx.CT101)
    client.force_login(admin_user)
    url = reverse("admin:contacts_contact_change", args=[fx.CT101.pk])
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data |= {"company": fx.CT200.pk, "persons-TOTAL_FORMS": 0, "persons-INITIAL_FORMS": 0}
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert company_id(robert) == fx.CT200.pk
    assert list(Opportunity.objects.for_contact(fx.CT200)) == [robert]
    assert list(Opportunity.objects.for_contact(fx.CT100)) == []


def test_saving_a_person_without_moving_them_writes_no_opportunity(fx, django_assert_num_queries):
    fx.create_opp_a(contact=fx.CT101)
    person = Contact.objects.get(pk=fx.CT101.pk)
    person.name = "Robert Smith"
    with django_assert_num_queries(1):  # the contact's own UPDATE
        person.save()


def test_the_company_is_not_a_field_of_the_admins_opportunity_form(fx, admin_user):
    request = RequestFactory().get("/")
    request.user = admin_user
    form = site._registry[Opportunity].get_form(request)
    assert "company" not in form.base_fields


@pytest.mark.postgres
def test_the_company_list_walks_the_company_index_in_order_on_postgresql(fx, opp_a):
    """A page of a company's list reads the rows it shows: an index scan on (company, id)
    under the LIMIT, not a sort of every opportunity of the company."""
    require_postgresql_database("the plan is PostgreSQL's")
    rows = Opportunity.objects.for_contact(fx.CT100).order_by("-pk")[:26]
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        # The test table is tiny: a scan of it all, or of a bitmap, then a sort, would cost
        # the planner less. Without them, only an index in the list's order avoids a Sort.
        for method in ("seqscan", "bitmapscan", "sort"):
            cursor.execute(f"SET LOCAL enable_{method} = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "opp_company_id_idx" in plan
    assert "Sort" not in plan
