"""Demo data: the acceptance fixture and a living pipeline, made through the services."""

import datetime
import random
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from contacts.models import Contact, Customer, Salesperson
from opportunities import services
from opportunities.models import CloseOpportunityCode, Opportunity, UpdateAction
from salescycles import demo
from salescycles.models import SalesCycle

CLOSE_CODES = [
    ("W-PRICE", "Best price", "won"),
    ("W-REL", "Relationship", "won"),
    ("W-PROD", "Best product fit", "won"),
    ("L-PRICE", "Too expensive", "lost"),
    ("L-COMP", "Lost to competitor", "lost"),
    ("L-NOBUD", "No budget", "lost"),
]
SALESPEOPLE = [
    ("JO", "Jo Ortega"),
    ("AH", "Annette Hill"),
    ("MK", "Marc Kessler"),
    ("LD", "Léa Dubois"),
    ("PS", "Priya Shah"),
]
COMPANIES = [
    "Adatum",
    "Litware",
    "Contoso",
    "Fabrikam",
    "Northwind Traders",
    "Tailspin Toys",
    "Wide World Importers",
    "Alpine Ski House",
    "Coho Winery",
    "Fourth Coffee",
    "Lucerne Publishing",
    "Margie's Travel",
    "Proseware",
    "Trey Research",
    "Woodgrove Bank",
    "Blue Yonder Airlines",
    "City Power & Light",
    "Graphic Design Institute",
    "Humongous Insurance",
    "Relecloud",
    "Bellows College",
    "Consolidated Messenger",
    "First Up Consultants",
    "Nod Publishers",
    "School of Fine Art",
    "Southridge Video",
    "VanArsdel",
    "Wingtip Toys",
    "Datum Corporation",
    "Lamna Healthcare",
    "Munson's Pickles",
    "Boulangerie Martin",
    "Atelier Lefèvre",
    "Transports Girard",
    "Librairie Moreau",
    "Éditions du Levant",
]
FIRST_NAMES = [
    "Robert",
    "Jane",
    "Sam",
    "Amélie",
    "Hugo",
    "Nina",
    "Omar",
    "Chloé",
    "Lucas",
    "Sofia",
    "Yann",
    "Inès",
    "Paul",
    "Mei",
    "Tom",
    "Zoé",
    "Karim",
    "Julia",
]
DEALS = [
    "Office furniture",
    "Conference room AV",
    "Laptop refresh",
    "Support contract",
    "Cloud backup",
    "Training days",
    "Warehouse scanners",
    "Website redesign",
    "Fleet tablets",
    "Annual licences",
    "Coffee machines",
    "Security audit",
    "Printer lease",
    "ERP rollout",
    "Trade fair stand",
]


class Command(BaseCommand):
    help = (
        "Load demo data: the salespeople, contacts, sales cycles and close codes of the "
        "acceptance fixture, and a few hundred opportunities in every state with quotes and "
        "orders. Does nothing when the demo data is already there."
    )

    def add_arguments(self, parser):
        parser.add_argument("--opportunities", type=int, default=300)
        parser.add_argument("--seed", type=int, default=2024)

    def handle(self, *args, **options):
        if SalesCycle.objects.filter(code="STD").exists():
            self.stdout.write("Demo data already loaded.")
            return
        rng = random.Random(options["seed"])
        with transaction.atomic():
            setup = self._setup()
        created = 0
        for _ in range(options["opportunities"]):
            with transaction.atomic():
                self._opportunity(rng, setup)
            created += 1
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded demo data: {created} opportunities, "
                f"{Contact.objects.count()} contacts, {Salesperson.objects.count()} salespeople."
            )
        )

    def _setup(self) -> dict:
        salespeople = [Salesperson.objects.create(code=c, name=n) for c, n in SALESPEOPLE]
        Salesperson.objects.create(code="BLK", name="Blocked Salesperson", blocked=True)
        jo = salespeople[0]
        adatum = Contact.objects.create(number="CT100", name="Adatum", salesperson=jo)
        Customer.objects.create(number="C10000", name="Adatum", contact=adatum)
        Contact.objects.create(
            number="CT101", name="Robert", type="person", company=adatum, salesperson=jo
        )
        litware = Contact.objects.create(number="CT200", name="Litware", salesperson=jo)
        Contact.objects.create(
            number="CT201", name="Jane", type="person", company=litware, salesperson=jo
        )
        Contact.objects.create(number="CT300", name="Sam", type="person", salesperson=jo)
        rng = random.Random(7)
        companies = [adatum, litware]
        for index, name in enumerate(COMPANIES[2:]):
            company = Contact.objects.create(name=name, salesperson=salespeople[index % 5])
            companies.append(company)
            for first in rng.sample(FIRST_NAMES, 2):
                Contact.objects.create(
                    name=f"{first} ({name})",
                    type="person",
                    company=company,
                    salesperson=company.salesperson,
                )
            if index % 3 == 0:
                services.create_customer(company)
        created = [demo.create_cycle(cycle)[0] for cycle in demo.DEMO_CYCLES]
        cycles = [cycle for cycle in created if not cycle.blocked]
        codes = {"won": [], "lost": []}
        for code, description, kind in CLOSE_CODES:
            codes[kind].append(
                CloseOpportunityCode.objects.create(code=code, description=description, type=kind)
            )
        contacts = list(Contact.objects.all())
        return {"cycles": cycles, "codes": codes, "contacts": contacts, "companies": companies}

    def _opportunity(self, rng: random.Random, setup: dict) -> Opportunity:
        today = timezone.localdate()
        day = today - datetime.timedelta(days=rng.randint(5, 360))
        contact = rng.choice(setup["companies"] if rng.random() < 0.7 else setup["contacts"])
        cycle = rng.choice(setup["cycles"])
        fate = rng.random()
        opportunity = services.create_opportunity(
            description=f"{rng.choice(DEALS)}, {contact.name}"[:100],
            contact=contact,
            sales_cycle=cycle,
            priority=rng.choice(["low", "normal", "normal", "high"]),
            activate_first_stage=fate > 0.08,
            estimated_value=Decimal(rng.randrange(1000, 250000, 500)),
            today=day,
        )
        if fate <= 0.08:
            return opportunity
        for _ in range(rng.randint(0, 5)):
            day = min(day + datetime.timedelta(days=rng.randint(1, 20)), today)
            actions = services.available_actions(opportunity)
            forward = [a for a in (UpdateAction.NEXT, UpdateAction.SKIP) if a in actions]
            if forward and rng.random() < 0.8:
                action = rng.choice(forward)
            else:
                action = rng.choice(list(actions))
            target = rng.choice(actions[action])
            if target.quote_required and action in forward and not opportunity.quote_id:
                if not contact.is_company:
                    break
                quote = services.create_quote(opportunity, today=day)
                for _ in range(rng.randint(1, 4)):
                    services.add_quote_line(
                        quote,
                        description=rng.choice(DEALS),
                        quantity=Decimal(rng.randint(1, 20)),
                        unit_price=Decimal(rng.randrange(100, 9000, 50)),
                    )
            services.update_opportunity(opportunity, action=action, to_stage=target, today=day)
        if fate > 0.45:
            return opportunity
        day = min(day + datetime.timedelta(days=rng.randint(1, 30)), today)
        won = fate > 0.25
        codes = setup["codes"]["won" if won else "lost"]
        if won and opportunity.quote_id and contact.is_company and rng.random() < 0.7:
            if not contact.is_customer:
                services.create_customer(contact)
            services.make_order(opportunity.quote, close_code=rng.choice(codes), today=day)
            return opportunity
        services.close_opportunity(
            opportunity,
            outcome="won" if won else "lost",
            close_code=rng.choice(codes),
            sales_value=opportunity.estimated_value,
            today=day,
        )
        return opportunity
