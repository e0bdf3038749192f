from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.native_error import NativeError
from ...models.native_unauthorized_error import NativeUnauthorizedError
from ...models.run_status import RunStatus
from ...types import Response


def _get_kwargs(
    job_id: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/runs/{job_id}".format(
            job_id=quote(str(job_id), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> NativeError | NativeUnauthorizedError | RunStatus | None:
    if response.status_code == 200:
        response_200 = RunStatus.from_dict(response.json())

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
) -> Response[NativeError | NativeUnauthorizedError | RunStatus]:
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
) -> Response[NativeError | NativeUnauthorizedError | RunStatus]:
    """Get a run's status

     The current status and progress of one run. `progress` is always
    present (zero before the run starts). While the run is queued or
    running, `retry_after` (and the `Retry-After` header) say how many
    seconds to wait before polling again: 2 while queued, 5 while running;
    both are absent once the run has finished.

    Where runyard differs from PraisonAI's server: absent values are left
    out rather than sent as null, as the seed's examples show, and
    `agent_id`, `run_id`, `progress.steps_completed` and
    `progress.steps_total` (always null or 0 there) are not sent; `Retry-
    After` is also a header, as on a submit; a cancelled run's `error`
    says why (see the field).

    Args:
        job_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[NativeError | NativeUnauthorizedError | RunStatus]
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
) -> NativeError | NativeUnauthorizedError | RunStatus | None:
    """Get a run's status

     The current status and progress of one run. `progress` is always
    present (zero before the run starts). While the run is queued or
    running, `retry_after` (and the `Retry-After` header) say how many
    seconds to wait before polling again: 2 while queued, 5 while running;
    both are absent once the run has finished.

    Where runyard differs from PraisonAI's server: absent values are left
    out rather than sent as null, as the seed's examples show, and
    `agent_id`, `run_id`, `progress.steps_completed` and
    `progress.steps_total` (always null or 0 there) are not sent; `Retry-
    After` is also a header, as on a submit; a cancelled run's `error`
    says why (see the field).

    Args:
        job_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        NativeError | NativeUnauthorizedError | RunStatus
    """

    return sync_detailed(
        job_id=job_id,
        client=client,
    ).parsed


async def asyncio_detailed(
    job_id: str,
    *,
    client: AuthenticatedClient,
) -> Response[NativeError | NativeUnauthorizedError | RunStatus]:
    """Get a run's status

     The current status and progress of one run. `progress` is always
    present (zero before the run starts). While the run is queued or
    running, `retry_after` (and the `Retry-After` header) say how many
    seconds to wait before polling again: 2 while queued, 5 while running;
    both are absent once the run has finished.

    Where runyard differs from PraisonAI's server: absent values are left
    out rather than sent as null, as the seed's examples show, and
    `agent_id`, `run_id`, `progress.steps_completed` and
    `progress.steps_total` (always null or 0 there) are not sent; `Retry-
    After` is also a header, as on a submit; a cancelled run's `error`
    says why (see the field).

    Args:
        job_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[NativeError | NativeUnauthorizedError | RunStatus]
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
) -> NativeError | NativeUnauthorizedError | RunStatus | None:
    """Get a run's status

     The current status and progress of one run. `progress` is always
    present (zero before the run starts). While the run is queued or
    running, `retry_after` (and the `Retry-After` header) say how many
    seconds to wait before polling again: 2 while queued, 5 while running;
    both are absent once the run has finished.

    Where runyard differs from PraisonAI's server: absent values are left
    out rather than sent as null, as the seed's examples show, and
    `agent_id`, `run_id`, `progress.steps_completed` and
    `progress.steps_total` (always null or 0 there) are not sent; `Retry-
    After` is also a header, as on a submit; a cancelled run's `error`
    says why (see the field).

    Args:
        job_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        NativeError | NativeUnauthorizedError | RunStatus
    """

    return (
        await asyncio_detailed(
            job_id=job_id,
            client=client,
        )
    ).parsed
