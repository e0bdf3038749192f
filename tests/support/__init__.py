"""Scaffolding shared by the tests: databases, servers, in-process apps with keys, waiting.

- databases: PostgreSQL and SQLite test databases, cloned from one migrated template per session.
- servers:   `runyard serve` as a real subprocess (LiveServer, start_server, stop_server).
- keys:      API keys created straight in a store (create_keys, revoke_key).
- yard:      the app in-process over one database (Store, open_store) and row access as a worker
             would change it (Rows.set_row, row, put_in_state).
- waiting:   polling until something holds (wait_for) and looking at processes (process_gone, ...).
"""
