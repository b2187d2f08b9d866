"""The contact and salesperson pickers: wherever a contact is chosen (new opportunity, edit,
the list's filters, the board, the batch deletion) a text field takes its number, with
suggestions from a search as the user types; the page holds the chosen contact only. Up to
fifty salespeople are a select, more are a picker too."""

import html
import re

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contacts import pickers
from contacts.models import Contact, Salesperson
from contacts.pickers import SELECT_UP_TO, SUGGESTIONS, ContactField, SalespersonField
from opportunities.filters import OpportunityFilter
from opportunities.forms import BatchDeleteForm, EditForm, OpportunityCreateForm
from opportunities.models import Opportunity
from pipeline.forms import PipelineFilterForm
from tests.factories import UserFactory
from tests.postgres import require_postgresql_database
from tests.snapshots import database_state

pytestmark = pytest.mark.django_db
CREATE = reverse("opportunities:create")
SEARCH = reverse("contacts:search")
SALESPERSON_SEARCH = reverse("contacts:salesperson_search")


def many_contacts(count: int) -> None:
    Contact.objects.bulk_create(
        Contact(number=f"CT9{index:05d}", name=f"Customer {index:05d}", type="company")
        for index in range(count)
    )


def many_salespeople(count: int) -> None:
    Salesperson.objects.bulk_create(
        Salesperson(code=f"S{index:03d}", name=f"Seller {index:03d}") for index in range(count)
    )


def page(client, url: str) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def picker(content: str, name: str) -> str:
    return re.search(rf'<input type="text" name="{name}"[^>]*>', content).group()


def options(content: str) -> list[str]:
    return re.findall(r'<option value="([^"]*)"', content)


def search(client, url: str, **params) -> list[str]:
    response = client.get(url, params)
    assert response.status_code == 200
    return options(response.content.decode())


def create_data(**overrides) -> dict:
    return {
        "description": "New deal",
        "contact": "CT100",
        "salesperson": "",
        "sales_cycle": "STD",
        "priority": "normal",
        **overrides,
    }


# --- one field class everywhere -----------------------------------------------------------------


def test_every_form_that_chooses_a_contact_or_a_salesperson_uses_the_pickers_fields(fx, opp_a):
    filters = OpportunityFilter(QueryDict(), queryset=Opportunity.objects.all()).form
    board = PipelineFilterForm(QueryDict(), user=UserFactory())
    forms = [
        OpportunityCreateForm(),
        EditForm(opportunity=opp_a, may_assign=True),
        filters,
        board,
        BatchDeleteForm(),
    ]
    for form in forms:
        assert type(form.fields["contact"]) is ContactField, form
        assert type(form.fields["salesperson"]) is SalespersonField, form


# --- the page's size does not grow with the contacts --------------------------------------------


def test_the_new_opportunity_page_weighs_the_same_with_3000_more_contacts(fx, client):
    few, few_queries = page(client, CREATE)
    many_contacts(3000)
    many, many_queries = page(client, CREATE)
    assert len(many) == len(few)
    assert many_queries == few_queries
    assert "CT900001" not in many


def test_the_edit_dialog_and_the_batch_page_weigh_the_same_with_3000_more_contacts(
    fx, client, opp_a
):
    urls = [
        reverse("opportunities:edit", args=[opp_a.number]),
        reverse("opportunities:batch_delete"),
        reverse("opportunities:list"),
    ]
    before = [page(client, url) for url in urls]
    many_contacts(3000)
    after = [page(client, url) for url in urls]
    for url, (few, few_queries), (many, many_queries) in zip(urls, before, after, strict=True):
        assert abs(len(many) - len(few)) < 50, url  # the count in the list's title may grow
        assert many_queries == few_queries, url


def test_the_chosen_contact_is_the_only_one_in_the_page_with_its_company(fx, client):
    content, _queries = page(client, f"{CREATE}?contact=CT101")
    assert '<option value="CT101">CT101 Robert (Adatum)</option>' in content
    assert "CT201" not in content


def test_the_picker_is_labelled_and_tied_to_its_suggestions(fx, client):
    content, _queries = page(client, CREATE)
    field = picker(content, "contact")
    assert 'id="id_contact"' in field
    assert 'list="id_contact-options"' in field
    assert 'autocomplete="off"' in field
    assert 'data-hx-trigger="input changed delay:200ms"' in field
    assert 'data-hx-target="#id_contact-options"' in field
    assert re.search(r'<label\s+for="id_contact"', content)
    assert '<datalist id="id_contact-options">' in content


# --- typing a number ---------------------------------------------------------------------------


def test_a_typed_number_in_lower_case_with_spaces_is_the_contact(fx, client):
    response = client.post(CREATE, create_data(contact="  ct101 "))
    assert response.status_code == 302
    assert Opportunity.objects.get().contact == fx.CT101


def test_an_unknown_contact_number_is_refused_on_its_field_and_nothing_is_written(fx, client):
    before = database_state()
    response = client.post(CREATE, create_data(contact="CT999"))
    assert response.status_code == 200
    assert response.context["form"].errors["contact"] == ["There is no contact with this number."]
    assert 'value="CT999"' in picker(response.content.decode(), "contact")
    assert database_state() == before


def test_an_unknown_salesperson_code_is_refused_with_its_message(fx, client):
    many_salespeople(SELECT_UP_TO)  # a picker: the code is typed
    before = database_state()
    response = client.post(CREATE, create_data(salesperson="NOBODY"))
    assert response.context["form"].errors["salesperson"] == [
        "There is no salesperson with this code."
    ]
    assert database_state() == before


def test_the_list_filter_takes_a_typed_number_in_lower_case(fx, client, opp_a):
    response = client.get(reverse("opportunities:list"), {"contact": " ct100"})
    assert [row.number for row in response.context["rows"]] == [opp_a.number]


# --- the search ----------------------------------------------------------------------------------


def test_the_search_finds_contacts_by_the_start_of_their_number_or_a_part_of_their_name(fx, client):
    assert search(client, SEARCH, q="ct10") == ["CT100", "CT101"]
    assert search(client, SEARCH, q="war") == ["CT200"]  # Litware
    assert search(client, SEARCH, q="100") == []  # a number is matched from its start
    response = client.get(SEARCH, {"q": "rob"})
    assert response.content.decode() == '<option value="CT101">CT101 Robert (Adatum)</option>\n'


def test_the_search_reads_the_text_under_the_name_of_the_pickers_field(fx, client):
    assert search(client, SEARCH, field="contact", contact="Jane") == ["CT201"]


def test_the_search_suggests_at_most_twenty_contacts(fx, client):
    many_contacts(50)
    assert len(search(client, SEARCH, q="Customer")) == SUGGESTIONS


def test_the_search_of_nothing_suggests_nothing(fx, client):
    assert search(client, SEARCH, q="   ") == []
    assert search(client, SEARCH) == []


def test_the_search_within_a_company_suggests_its_contacts_only(fx, client):
    assert search(client, SEARCH, q="CT", company="CT200") == ["CT201", "CT200"]
    assert search(client, SEARCH, q="CT", company="CT999") == []  # no such company


def test_the_search_escapes_the_names_it_shows(fx, client):
    Contact.objects.create(number="CT400", name="<b>Bold</b> & Co", type="company")
    content = client.get(SEARCH, {"q": "bold"}).content.decode()
    assert "<b>" not in content
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; Co" in content


def test_the_search_needs_the_permission_to_see_contacts(fx, client):
    user = UserFactory()
    client.force_login(user)
    assert client.get(SEARCH, {"q": "CT"}).status_code == 403
    user.user_permissions.add(Permission.objects.get(codename="view_contact"))
    assert client.get(SEARCH, {"q": "CT"}).status_code == 200


def test_the_salesperson_search_finds_by_code_or_name_and_leaves_out_the_blocked_if_asked(
    fx, client
):
    assert search(client, SALESPERSON_SEARCH, q="b") == ["BLK"]
    assert search(client, SALESPERSON_SEARCH, q="b", active="1") == []
    assert search(client, SALESPERSON_SEARCH, q="hill") == ["AH"]


def test_a_pickers_search_url_is_the_one_its_page_asks(fx, client, opp_a):
    content, _queries = page(client, reverse("opportunities:edit", args=[opp_a.number]))
    url = html.unescape(re.search(r'data-hx-get="([^"]*)"', picker(content, "contact")).group(1))
    assert search(client, f"{url}&contact=ro") == ["CT101"]


# --- salespeople: a select while few ----------------------------------------------------------


def test_up_to_fifty_salespeople_are_a_select_of_the_unblocked(fx, client):
    many_salespeople(SELECT_UP_TO - 2)  # with JO and AH: fifty unblocked
    content, _queries = page(client, CREATE)
    select = re.search(r'<select name="salesperson".*?</select>', content, re.S).group()
    assert len(options(select)) == SELECT_UP_TO + 1  # and "The contact's salesperson"
    assert "form-select" in select
    assert "BLK" not in select


def test_beyond_fifty_salespeople_the_salesperson_is_a_picker_and_the_page_does_not_grow(
    fx, client
):
    many_salespeople(SELECT_UP_TO - 2)
    select_page, select_queries = page(client, CREATE)
    assert '<select name="salesperson"' in select_page
    Salesperson.objects.bulk_create(
        Salesperson(code=f"T{index:03d}", name=f"Other {index:03d}") for index in range(500)
    )
    picker_page, picker_queries = page(client, CREATE)
    assert '<select name="salesperson"' not in picker_page
    assert "salespeople/search/" in picker(picker_page, "salesperson")
    assert "T001" not in picker_page
    assert len(picker_page) < len(select_page)
    assert picker_queries == select_queries
    response = client.post(CREATE, create_data(salesperson="t001"))
    assert response.status_code == 302
    assert Opportunity.objects.get().salesperson.code == "T001"


def test_a_salesperson_is_offered_only_themselves_however_many_there_are(fx, seller_client):
    many_salespeople(2 * SELECT_UP_TO)
    content = seller_client.get(CREATE).content.decode()
    select = re.search(r'<select name="salesperson".*?</select>', content, re.S).group()
    assert options(select) == ["JO"]


def test_the_list_filter_keeps_a_select_of_salespeople_with_all(fx, client):
    content, _queries = page(client, reverse("opportunities:list"))
    select = re.search(r'<select name="salesperson".*?</select>', content, re.S).group()
    assert options(select) == ["", "AH", "BLK", "JO"]
    assert "form-select" in select


# --- PostgreSQL ----------------------------------------------------------------------------------


@pytest.mark.postgres
def test_the_contact_search_reads_the_number_and_name_indexes_on_postgresql(fx):
    """The number's start: a range of its pattern index; a name's part: its trigram index."""
    require_postgresql_database("the pattern and trigram indexes are PostgreSQL's")
    with CaptureQueriesContext(connection) as queries:
        pickers.search_contacts("ct1")
    sql = queries.captured_queries[-1]["sql"]
    with connection.cursor() as cursor:
        # The test table is tiny: left to itself the planner would read it whole.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(f"EXPLAIN {sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert re.search(r"contacts_contact_number_\w+_like", plan), plan
    assert "contact_name_trgm_idx" in plan
