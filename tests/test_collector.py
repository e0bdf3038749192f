"""A server moves what start-up built out of the garbage collector's generations (runyard.web.app's lifespan)."""

from __future__ import annotations

import gc

from starlette.testclient import TestClient

from runyard.web.app import create_app


def test_a_started_server_has_frozen_what_start_up_built_so_a_full_collection_does_not_walk_it(sqlite_url: str) -> None:
    gc.unfreeze()  # whatever an earlier test's server froze
    app = create_app(sqlite_url)
    assert gc.get_freeze_count() == 0
    with TestClient(app) as client:
        frozen = gc.get_freeze_count()
        assert frozen > 10_000  # the spec, connexion's operations and validators, the models
        assert client.get("/health").status_code == 200
