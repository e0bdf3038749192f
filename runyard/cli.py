"""The `runyard` command line."""

from __future__ import annotations

from typing import Annotated

import typer

from runyard.settings import DEFAULT_HOST, DEFAULT_PORT, default_database_url

app = typer.Typer(help="runyard: a self-hosted async-runs server.", no_args_is_help=True, add_completion=False)


@app.callback()
def _root() -> None:
    """runyard: a self-hosted async-runs server."""


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = DEFAULT_HOST,
    port: Annotated[int, typer.Option(help="Port to listen on.")] = DEFAULT_PORT,
    database_url: Annotated[
        str | None,
        typer.Option("--database-url", envvar="RUNYARD_DATABASE_URL", help="sqlite:///FILE or postgresql://... (default: a SQLite file in the user data folder)."),
    ] = None,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
) -> None:
    """Serve the API (and its docs at /docs)."""
    import uvicorn

    from runyard.app import create_app
    from runyard.store.db import UnsupportedDatabase

    url = database_url or default_database_url()
    try:
        asgi = create_app(url)
    except UnsupportedDatabase as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"runyard serving http://{host}:{port} (docs at /docs) with {url.split('@')[-1]}", err=True)
    uvicorn.run(asgi, host=host, port=port, log_level=log_level)


def main() -> None:
    app()
