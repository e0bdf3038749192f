from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.native_error import NativeError
from ...models.native_unauthorized_error import NativeUnauthorizedError
from ...types import Response


def _get_kwargs(
    job_id: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/runs/{job_id}/stream".format(
            job_id=quote(str(job_id), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> NativeError | NativeUnauthorizedError | str | None:
    if response.status_code == 200:
        response_200 = response.text
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
) -> Response[NativeError | NativeUnauthorizedError | str]:
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
) -> Response[NativeError | NativeUnauthorizedError | str]:
    """Follow a run's events

     Server-Sent Events until the run ends, then the stream closes. Each
    event's `data` is one JSON object:

    * `status`: the run's status (the same object as GET /api/v1/runs/{job_id}, with PraisonAI's
    `status` and `job_id`), sent first and on every change of status;
    * `progress`: `{"percentage": ..., "current_step": ..., "step": ...}` on every change of progress
    (`step` is PraisonAI's name, `current_step` the status answer's);
    * the last event: `result`: `{"result": ...}` when the run succeeded; `cancelled`: `{"message": "Job
    was cancelled"}` when it was cancelled; `error`: `{"error": "..."}` when it failed;
    * `heartbeat`: `{"timestamp": "..."}` every 15 seconds while nothing else happens.

    Where runyard differs: `result` carries the result as the job
    reported it (any JSON), where PraisonAI's server sends its text cut
    to 1,000 characters; the heartbeat comes after 15 seconds of quiet,
    not 5.

    Args:
        job_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[NativeError | NativeUnauthorizedError | str]
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
) -> NativeError | NativeUnauthorizedError | str | None:
    """Follow a run's events

     Server-Sent Events until the run ends, then the stream closes. Each
    event's `data` is one JSON object:

    * `status`: the run's status (the same object as GET /api/v1/runs/{job_id}, with PraisonAI's
    `status` and `job_id`), sent first and on every change of status;
    * `progress`: `{"percentage": ..., "current_step": ..., "step": ...}` on every change of progress
    (`step` is PraisonAI's name, `current_step` the status answer's);
    * the last event: `result`: `{"result": ...}` when the run succeeded; `cancelled`: `{"message": "Job
    was cancelled"}` when it was cancelled; `error`: `{"error": "..."}` when it failed;
    * `heartbeat`: `{"timestamp": "..."}` every 15 seconds while nothing else happens.

    Where runyard differs: `result` carries the result as the job
    reported it (any JSON), where PraisonAI's server sends its text cut
    to 1,000 characters; the heartbeat comes after 15 seconds of quiet,
    not 5.

    Args:
        job_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        NativeError | NativeUnauthorizedError | str
    """

    return sync_detailed(
        job_id=job_id,
        client=client,
    ).parsed


async def asyncio_detailed(
    job_id: str,
    *,
    client: AuthenticatedClient,
) -> Response[NativeError | NativeUnauthorizedError | str]:
    """Follow a run's events

     Server-Sent Events until the run ends, then the stream closes. Each
    event's `data` is one JSON object:

    * `status`: the run's status (the same object as GET /api/v1/runs/{job_id}, with PraisonAI's
    `status` and `job_id`), sent first and on every change of status;
    * `progress`: `{"percentage": ..., "current_step": ..., "step": ...}` on every change of progress
    (`step` is PraisonAI's name, `current_step` the status answer's);
    * the last event: `result`: `{"result": ...}` when the run succeeded; `cancelled`: `{"message": "Job
    was cancelled"}` when it was cancelled; `error`: `{"error": "..."}` when it failed;
    * `heartbeat`: `{"timestamp": "..."}` every 15 seconds while nothing else happens.

    Where runyard differs: `result` carries the result as the job
    reported it (any JSON), where PraisonAI's server sends its text cut
    to 1,000 characters; the heartbeat comes after 15 seconds of quiet,
    not 5.

    Args:
        job_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[NativeError | NativeUnauthorizedError | str]
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
) -> NativeError | NativeUnauthorizedError | str | None:
    """Follow a run's events

     Server-Sent Events until the run ends, then the stream closes. Each
    event's `data` is one JSON object:

    * `status`: the run's status (the same object as GET /api/v1/runs/{job_id}, with PraisonAI's
    `status` and `job_id`), sent first and on every change of status;
    * `progress`: `{"percentage": ..., "current_step": ..., "step": ...}` on every change of progress
    (`step` is PraisonAI's name, `current_step` the status answer's);
    * the last event: `result`: `{"result": ...}` when the run succeeded; `cancelled`: `{"message": "Job
    was cancelled"}` when it was cancelled; `error`: `{"error": "..."}` when it failed;
    * `heartbeat`: `{"timestamp": "..."}` every 15 seconds while nothing else happens.

    Where runyard differs: `result` carries the result as the job
    reported it (any JSON), where PraisonAI's server sends its text cut
    to 1,000 characters; the heartbeat comes after 15 seconds of quiet,
    not 5.

    Args:
        job_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        NativeError | NativeUnauthorizedError | str
    """

    return (
        await asyncio_detailed(
            job_id=job_id,
            client=client,
        )
    ).parsed
