"""Things, locations and datastreams read from a real SensorThings server (django-ogc-sensorthings)."""

from __future__ import annotations

import numpy as np
import pytest

from viewer.commands.sensor_sta import sta_info
from viewer.core.sensors import Thresholds
from viewer.sensors.sensorthings import SensorThingsClient, load_network, observation_topics

WATER_LONLAT = (105.7880, 10.0340)
RAIN_LONLAT = (105.7795, 10.0482)


def test_things_keep_vietnamese_names_and_their_locations(sta_server) -> None:
    things = {t["@iot.id"]: t for t in SensorThingsClient(sta_server.base_url).things()}
    assert set(things) == set(sta_server.things.values())
    water = things[sta_server.things["water"]]
    assert water["name"] == "Trạm thủy văn Cần Thơ"
    assert water["properties"]["operator"] == "Đài KTTV Nam Bộ"
    assert water["Locations"][0]["name"] == "Bến Ninh Kiều"
    assert water["Locations"][0]["location"]["coordinates"] == pytest.approx(list(WATER_LONLAT))


def test_collections_are_read_page_by_page_through_next_links(sta_server) -> None:
    client = SensorThingsClient(sta_server.base_url)
    pages = [values for _body, values in client.pages("Things", {"$top": 1})]
    assert [len(p) for p in pages[:2]] == [1, 1]
    names = {t["name"] for page in pages for t in page}
    assert names == {"Trạm thủy văn Cần Thơ", "Trạm đo mưa Cái Khế"}
    assert {loc["name"] for loc in client.locations()} == {"Bến Ninh Kiều", "Phường Cái Khế"}


def test_network_has_units_properties_thresholds_and_positions(sta_server) -> None:
    network = load_network(SensorThingsClient(sta_server.base_url))
    water = network.datastreams[sta_server.streams["water"]]
    rain = network.datastreams[sta_server.streams["rain"]]
    # Each datastream on its own station (the server's own $expand=Thing would put both on one).
    assert water.thing_id == sta_server.things["water"]
    assert rain.thing_id == sta_server.things["rain"]
    assert (water.name, water.unit, water.observed_property) == ("Mực nước sông Hậu", "m", "water_level")
    assert (rain.name, rain.unit, rain.observed_property) == ("Lượng mưa", "mm", "rainfall")
    assert water.thresholds == Thresholds(warning=1.8, alarm=2.2, direction="above")
    assert (water.expected_interval_s, rain.expected_interval_s) == (60.0, 300.0)
    assert water.description == "Mực nước so với mốc Hòn Dấu"
    station = network.things[sta_server.things["rain"]]
    assert station.name == "Trạm đo mưa Cái Khế"
    assert (station.lon, station.lat) == pytest.approx(RAIN_LONLAT)
    assert station.properties == {"district": "Ninh Kiều"}
    assert station.x is None  # no project CRS asked for


def test_navigation_links_give_the_same_relations_as_expand(sta_server) -> None:
    client = SensorThingsClient(sta_server.base_url)

    def relations(streams: list[dict]) -> set[tuple]:
        return {(s["@iot.id"], s["Thing"]["@iot.id"], s["ObservedProperty"]["name"], s["Sensor"]["name"],
                 tuple(s["Thing"]["Locations"][0]["location"]["coordinates"])) for s in streams}

    expanded, linked = relations(client.datastreams()), relations(client.datastreams(expand=False))
    assert expanded == linked
    assert {(r[2], r[3]) for r in expanded} == {("water_level", "Cảm biến water"),
                                                ("rainfall", "Cảm biến rain")}


def test_stations_get_project_coordinates(sta_server) -> None:
    from pyproj import Transformer

    network = load_network(SensorThingsClient(sta_server.base_url), project_crs="EPSG:32648")
    station = network.things[sta_server.things["water"]]
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:32648", always_xy=True).transform(*WATER_LONLAT)
    assert (station.x, station.y) == pytest.approx((x, y), abs=1e-6)
    # UTM 48N, 0.788 deg east of its central meridian 105 E: about 586 km east, 1,110 km north.
    assert 586_300 < station.x < 586_400 and 1_109_200 < station.y < 1_109_350


def test_sta_info_reports_stations_streams_counts_and_topics(sta_server) -> None:
    text = sta_info(sta_server.base_url)
    water_id = sta_server.streams["water"]
    assert text.splitlines()[0] == sta_server.base_url
    assert "things: 2, datastreams: 2" in text
    assert "thing: Trạm thủy văn Cần Thơ" in text and "lon 105.788000, lat 10.034000" in text
    assert "datastream: Mực nước sông Hậu" in text
    assert ("water_level in m, every 60 s, thresholds warning 1.8, alarm 2.2 (above), "
            "observations: 2503") in text
    assert "rainfall in mm, every 300 s" in text
    assert f"mqtt topic: {observation_topics([water_id])[0]}" in text
    assert "data-array" in text.split("conformance:")[1].splitlines()[0]


def test_sta_info_names_a_server_that_is_down() -> None:
    from .sta_testserver import free_port

    url = f"http://127.0.0.1:{free_port()}/sensorthings/v1.1"
    lines = sta_info(url, timeout=2).splitlines()
    assert lines[0] == url
    assert lines[1].startswith("  error: cannot connect") and "refused" in lines[1].lower()
    assert url in lines[2]


def test_observation_topics_name_the_server_ids(sta_server) -> None:
    ids = sorted(sta_server.streams.values())
    topics = observation_topics(ids)
    assert topics == [f"v1.1/Datastreams('{i}')/Observations" for i in ids]
    assert not any(c in t for t in topics for c in "+#")
    assert np.unique(topics).size == 2
