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
        "method": "post",
        "url": "/api/v1/runs/{job_id}/cancel".format(
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

    if response.status_code == 409:
        response_409 = NativeError.from_dict(response.json())

        return response_409

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
    """Cancel a run

     Cancels a run that has not finished. A queued or delayed run ends
    cancelled at once; a running run is asked to stop and is shown as
    running until its process has ended. A finished run answers 409.

    Where runyard differs from PraisonAI's server: the answer is the run
    as it is when the cancel is recorded; a running run shows `running`
    (with `retry_after`) until its process has stopped, then `cancelled`,
    where PraisonAI's answers `cancelled` at once. runyard does not call a
    run cancelled while its process may still be writing.

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
    """Cancel a run

     Cancels a run that has not finished. A queued or delayed run ends
    cancelled at once; a running run is asked to stop and is shown as
    running until its process has ended. A finished run answers 409.

    Where runyard differs from PraisonAI's server: the answer is the run
    as it is when the cancel is recorded; a running run shows `running`
    (with `retry_after`) until its process has stopped, then `cancelled`,
    where PraisonAI's answers `cancelled` at once. runyard does not call a
    run cancelled while its process may still be writing.

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
    """Cancel a run

     Cancels a run that has not finished. A queued or delayed run ends
    cancelled at once; a running run is asked to stop and is shown as
    running until its process has ended. A finished run answers 409.

    Where runyard differs from PraisonAI's server: the answer is the run
    as it is when the cancel is recorded; a running run shows `running`
    (with `retry_after`) until its process has stopped, then `cancelled`,
    where PraisonAI's answers `cancelled` at once. runyard does not call a
    run cancelled while its process may still be writing.

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
    """Cancel a run

     Cancels a run that has not finished. A queued or delayed run ends
    cancelled at once; a running run is asked to stop and is shown as
    running until its process has ended. A finished run answers 409.

    Where runyard differs from PraisonAI's server: the answer is the run
    as it is when the cancel is recorded; a running run shows `running`
    (with `retry_after`) until its process has stopped, then `cancelled`,
    where PraisonAI's answers `cancelled` at once. runyard does not call a
    run cancelled while its process may still be writing.

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
