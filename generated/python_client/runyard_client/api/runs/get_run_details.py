from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.native_error import NativeError
from ...models.native_unauthorized_error import NativeUnauthorizedError
from ...models.run_details import RunDetails
from ...types import Response


def _get_kwargs(
    job_id: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/runs/{job_id}/details".format(
            job_id=quote(str(job_id), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> NativeError | NativeUnauthorizedError | RunDetails | None:
    if response.status_code == 200:
        response_200 = RunDetails.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = NativeError.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = NativeUnauthorizedError.from_dict(response.json())

        return response_401

    if response.status_code == 404:
        response_404 = NativeError.from_dict(response.json())

        return response_404

    if response.status_code == 503:
        response_503 = NativeError.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[NativeError | NativeUnauthorizedError | RunDetails]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    job_id: str,
    *,
    client: AuthenticatedClient,
) -> Response[NativeError | NativeUnauthorizedError | RunDetails]:
    """Get everything about a run

     runyard extension (PraisonAI's server has no such operation): every
    field a run's page shows, in one read (the run and its webhook's
    delivery come from one statement): its job and version, environment,
    native `status` and internal `state`, input, result, error, exit
    code, attempts, progress, times, metadata, the schedule or batch
    that made it, its priority and queue, and its webhook's delivery.
    Values a run does not have (yet) are null; `webhook` is absent when
    the run was submitted without one.

    An environment key sees only its environment's runs (another's is
    404, as if it did not exist); an admin key sees every run.

    Args:
        job_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[NativeError | NativeUnauthorizedError | RunDetails]
    """

    kwargs = _get_kwargs(
        job_id=job_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    job_id: str,
    *,
    client: AuthenticatedClient,
) -> NativeError | NativeUnauthorizedError | RunDetails | None:
    """Get everything about a run

     runyard extension (PraisonAI's server has no such operation): every
    field a run's page shows, in one read (the run and its webhook's
    delivery come from one statement): its job and version, environment,
    native `status` and internal `state`, input, result, error, exit
    code, attempts, progress, times, metadata, the schedule or batch
    that made it, its priority and queue, and its webhook's delivery.
    Values a run does not have (yet) are null; `webhook` is absent when
    the run was submitted without one.

    An environment key sees only its environment's runs (another's is
    404, as if it did not exist); an admin key sees every run.

    Args:
        job_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        NativeError | NativeUnauthorizedError | RunDetails
    """

    return sync_detailed(
        job_id=job_id,
        client=client,
    ).parsed


async def asyncio_detailed(
    job_id: str,
    *,
    client: AuthenticatedClient,
) -> Response[NativeError | NativeUnauthorizedError | RunDetails]:
    """Get everything about a run

     runyard extension (PraisonAI's server has no such operation): every
    field a run's page shows, in one read (the run and its webhook's
    delivery come from one statement): its job and version, environment,
    native `status` and internal `state`, input, result, error, exit
    code, attempts, progress, times, metadata, the schedule or batch
    that made it, its priority and queue, and its webhook's delivery.
    Values a run does not have (yet) are null; `webhook` is absent when
    the run was submitted without one.

    An environment key sees only its environment's runs (another's is
    404, as if it did not exist); an admin key sees every run.

    Args:
        job_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[NativeError | NativeUnauthorizedError | RunDetails]
    """

    kwargs = _get_kwargs(
        job_id=job_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    job_id: str,
    *,
    client: AuthenticatedClient,
) -> NativeError | NativeUnauthorizedError | RunDetails | None:
    """Get everything about a run

     runyard extension (PraisonAI's server has no such operation): every
    field a run's page shows, in one read (the run and its webhook's
    delivery come from one statement): its job and version, environment,
    native `status` and internal `state`, input, result, error, exit
    code, attempts, progress, times, metadata, the schedule or batch
    that made it, its priority and queue, and its webhook's delivery.
    Values a run does not have (yet) are null; `webhook` is absent when
    the run was submitted without one.

    An environment key sees only its environment's runs (another's is
    404, as if it did not exist); an admin key sees every run.

    Args:
        job_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        NativeError | NativeUnauthorizedError | RunDetails
    """

    return (
        await asyncio_detailed(
            job_id=job_id,
            client=client,
        )
    ).parsed
