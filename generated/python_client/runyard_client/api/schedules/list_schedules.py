from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.native_error import NativeError
from ...models.native_unauthorized_error import NativeUnauthorizedError
from ...models.schedule_list import ScheduleList
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    job: str | Unset = UNSET,
    environment: str | Unset = UNSET,
    page: int | Unset = 1,
    page_size: int | Unset = 20,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["job"] = job

    params["environment"] = environment

    params["page"] = page

    params["page_size"] = page_size

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/schedules",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> NativeError | NativeUnauthorizedError | ScheduleList | None:
    if response.status_code == 200:
        response_200 = ScheduleList.from_dict(response.json())

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
) -> Response[NativeError | NativeUnauthorizedError | ScheduleList]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    job: str | Unset = UNSET,
    environment: str | Unset = UNSET,
    page: int | Unset = 1,
    page_size: int | Unset = 20,
) -> Response[NativeError | NativeUnauthorizedError | ScheduleList]:
    """List schedules

     A page of schedules, oldest first, with how many match in all. Pages
    are numbered from 1; a page past the end is an empty list with the
    true `total`. An environment key lists its own environment's
    schedules; an admin key (and, on an open server, a request without a
    key) every environment's, or one environment's with `environment`.

    Args:
        job (str | Unset):
        environment (str | Unset): An environment's name. Example: prod.
        page (int | Unset):  Default: 1.
        page_size (int | Unset):  Default: 20.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[NativeError | NativeUnauthorizedError | ScheduleList]
    """

    kwargs = _get_kwargs(
        job=job,
        environment=environment,
        page=page,
        page_size=page_size,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    job: str | Unset = UNSET,
    environment: str | Unset = UNSET,
    page: int | Unset = 1,
    page_size: int | Unset = 20,
) -> NativeError | NativeUnauthorizedError | ScheduleList | None:
    """List schedules

     A page of schedules, oldest first, with how many match in all. Pages
    are numbered from 1; a page past the end is an empty list with the
    true `total`. An environment key lists its own environment's
    schedules; an admin key (and, on an open server, a request without a
    key) every environment's, or one environment's with `environment`.

    Args:
        job (str | Unset):
        environment (str | Unset): An environment's name. Example: prod.
        page (int | Unset):  Default: 1.
        page_size (int | Unset):  Default: 20.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        NativeError | NativeUnauthorizedError | ScheduleList
    """

    return sync_detailed(
        client=client,
        job=job,
        environment=environment,
        page=page,
        page_size=page_size,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    job: str | Unset = UNSET,
    environment: str | Unset = UNSET,
    page: int | Unset = 1,
    page_size: int | Unset = 20,
) -> Response[NativeError | NativeUnauthorizedError | ScheduleList]:
    """List schedules

     A page of schedules, oldest first, with how many match in all. Pages
    are numbered from 1; a page past the end is an empty list with the
    true `total`. An environment key lists its own environment's
    schedules; an admin key (and, on an open server, a request without a
    key) every environment's, or one environment's with `environment`.

    Args:
        job (str | Unset):
        environment (str | Unset): An environment's name. Example: prod.
        page (int | Unset):  Default: 1.
        page_size (int | Unset):  Default: 20.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[NativeError | NativeUnauthorizedError | ScheduleList]
    """

    kwargs = _get_kwargs(
        job=job,
        environment=environment,
        page=page,
        page_size=page_size,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    job: str | Unset = UNSET,
    environment: str | Unset = UNSET,
    page: int | Unset = 1,
    page_size: int | Unset = 20,
) -> NativeError | NativeUnauthorizedError | ScheduleList | None:
    """List schedules

     A page of schedules, oldest first, with how many match in all. Pages
    are numbered from 1; a page past the end is an empty list with the
    true `total`. An environment key lists its own environment's
    schedules; an admin key (and, on an open server, a request without a
    key) every environment's, or one environment's with `environment`.

    Args:
        job (str | Unset):
        environment (str | Unset): An environment's name. Example: prod.
        page (int | Unset):  Default: 1.
        page_size (int | Unset):  Default: 20.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        NativeError | NativeUnauthorizedError | ScheduleList
    """

    return (
        await asyncio_detailed(
            client=client,
            job=job,
            environment=environment,
            page=page,
            page_size=page_size,
        )
    ).parsed
