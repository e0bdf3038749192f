from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.api_key_list import ApiKeyList
from ...models.native_error import NativeError
from ...models.native_unauthorized_error import NativeUnauthorizedError
from ...types import Response


def _get_kwargs() -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/keys",
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ApiKeyList | NativeError | NativeUnauthorizedError | None:
    if response.status_code == 200:
        response_200 = ApiKeyList.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = NativeError.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = NativeUnauthorizedError.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = NativeError.from_dict(response.json())

        return response_403

    if response.status_code == 503:
        response_503 = NativeError.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ApiKeyList | NativeError | NativeUnauthorizedError]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
) -> Response[ApiKeyList | NativeError | NativeUnauthorizedError]:
    """List keys

     Every key of every environment, oldest first: its id, environment,
    whether it is an admin's, the first characters of its secret (never
    the secret: only its SHA-256 is stored), when it was created, when it
    expires, when it was last used (to the minute) and when it was
    revoked. Admins only.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ApiKeyList | NativeError | NativeUnauthorizedError]
    """

    kwargs = _get_kwargs()

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
) -> ApiKeyList | NativeError | NativeUnauthorizedError | None:
    """List keys

     Every key of every environment, oldest first: its id, environment,
    whether it is an admin's, the first characters of its secret (never
    the secret: only its SHA-256 is stored), when it was created, when it
    expires, when it was last used (to the minute) and when it was
    revoked. Admins only.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ApiKeyList | NativeError | NativeUnauthorizedError
    """

    return sync_detailed(
        client=client,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
) -> Response[ApiKeyList | NativeError | NativeUnauthorizedError]:
    """List keys

     Every key of every environment, oldest first: its id, environment,
    whether it is an admin's, the first characters of its secret (never
    the secret: only its SHA-256 is stored), when it was created, when it
    expires, when it was last used (to the minute) and when it was
    revoked. Admins only.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ApiKeyList | NativeError | NativeUnauthorizedError]
    """

    kwargs = _get_kwargs()

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
) -> ApiKeyList | NativeError | NativeUnauthorizedError | None:
    """List keys

     Every key of every environment, oldest first: its id, environment,
    whether it is an admin's, the first characters of its secret (never
    the secret: only its SHA-256 is stored), when it was created, when it
    expires, when it was last used (to the minute) and when it was
    revoked. Admins only.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ApiKeyList | NativeError | NativeUnauthorizedError
    """

    return (
        await asyncio_detailed(
            client=client,
        )
    ).parsed
