from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.health import Health
from ...models.native_error import NativeError
from ...types import Response


def _get_kwargs() -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/health",
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Health | NativeError | None:
    if response.status_code == 200:
        response_200 = Health.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = NativeError.from_dict(response.json())

        return response_400

    if response.status_code == 503:
        response_503 = NativeError.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Health | NativeError]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
) -> Response[Health | NativeError]:
    """Check the server and its store

     Answers 200 when the server is up and its database answers a query.

    Where runyard differs from PraisonAI's server: its /health answers
    `{"status": "healthy", "store", "executor_stats"}` without asking the
    store anything; runyard's proves the store answers (503 otherwise) and
    reports `ok` with the kind of store. The executor figures are in
    `/stats`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Health | NativeError]
    """

    kwargs = _get_kwargs()

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
) -> Health | NativeError | None:
    """Check the server and its store

     Answers 200 when the server is up and its database answers a query.

    Where runyard differs from PraisonAI's server: its /health answers
    `{"status": "healthy", "store", "executor_stats"}` without asking the
    store anything; runyard's proves the store answers (503 otherwise) and
    reports `ok` with the kind of store. The executor figures are in
    `/stats`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Health | NativeError
    """

    return sync_detailed(
        client=client,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
) -> Response[Health | NativeError]:
    """Check the server and its store

     Answers 200 when the server is up and its database answers a query.

    Where runyard differs from PraisonAI's server: its /health answers
    `{"status": "healthy", "store", "executor_stats"}` without asking the
    store anything; runyard's proves the store answers (503 otherwise) and
    reports `ok` with the kind of store. The executor figures are in
    `/stats`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Health | NativeError]
    """

    kwargs = _get_kwargs()

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
) -> Health | NativeError | None:
    """Check the server and its store

     Answers 200 when the server is up and its database answers a query.

    Where runyard differs from PraisonAI's server: its /health answers
    `{"status": "healthy", "store", "executor_stats"}` without asking the
    store anything; runyard's proves the store answers (503 otherwise) and
    reports `ok` with the kind of store. The executor figures are in
    `/stats`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Health | NativeError
    """

    return (
        await asyncio_detailed(
            client=client,
        )
    ).parsed
