"""The district's saved flag rules and smallest group are what the counsel pages use."""

from survey_app.models import DistrictSettings
from survey_app.reading import loader


def test_context_reads_saved_district_settings(session, world):
    session.add(DistrictSettings(district_id=world.district.id, min_n=15,
                                 flag_rules={"few_reliable_minimum": 4}))
    session.commit()
    ctx = loader.context(session=session, district_id=world.district.id)
    assert ctx.min_n == 15
    assert ctx.rules.few_reliable_minimum == 4


def test_caseload_page_renders_with_saved_settings(client, session, world, login_as):
    session.add(DistrictSettings(district_id=world.district.id))
    session.commit()
    login_as(world.users["counselor"])
    assert client.get("/counsel/students").status_code == 200
