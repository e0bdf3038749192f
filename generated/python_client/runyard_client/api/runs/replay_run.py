from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.native_error import NativeError
from ...models.native_unauthorized_error import NativeUnauthorizedError
from ...models.submit_run_response import SubmitRunResponse
from ...types import Response


def _get_kwargs(
    job_id: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/runs/{job_id}/replay".format(
            job_id=quote(str(job_id), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> NativeError | NativeUnauthorizedError | SubmitRunResponse | None:
    if response.status_code == 202:
        response_202 = SubmitRunResponse.from_dict(response.json())

        return response_202

    if response.status_code == 400:
        response_400 = NativeError.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = NativeUnauthorizedError.from_dict(response.json())

        return response_401

    if response.status_code == 404:
        response_404 = NativeError.from_dict(response.json())

        return response_404

    if response.status_code == 413:
        response_413 = NativeError.from_dict(response.json())

        return response_413

    if response.status_code == 503:
        response_503 = NativeError.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[NativeError | NativeUnauthorizedError | SubmitRunResponse]:
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
) -> Response[NativeError | NativeUnauthorizedError | SubmitRunResponse]:
    """Run a run again

     runyard extension (PraisonAI's server has no such operation): submits
    a new run made from an existing one, as Trigger.dev's replay does:
    the same job and job version, input, session, tags, metadata and
    options (attempts, timeout, priority, queue, command override), in
    the original's environment. Its idempotency key, delay, TTL and
    webhook are not carried over. The answer is a submit's (202, with
    `Location` and `Retry-After`), for the new run; the original is left
    as it is.

    An environment key may replay only its environment's runs (another's
    is 404); an admin key any run. A run whose job has since been deleted
    cannot be replayed (404, as a submit of it).

    Args:
        job_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[NativeError | NativeUnauthorizedError | SubmitRunResponse]
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
) -> NativeError | NativeUnauthorizedError | SubmitRunResponse | None:
    """Run a run again

     runyard extension (PraisonAI's server has no such operation): submits
    a new run made from an existing one, as Trigger.dev's replay does:
    the same job and job version, input, session, tags, metadata and
    options (attempts, timeout, priority, queue, command override), in
    the original's environment. Its idempotency key, delay, TTL and
    webhook are not carried over. The answer is a submit's (202, with
    `Location` and `Retry-After`), for the new run; the original is left
    as it is.

    An environment key may replay only its environment's runs (another's
    is 404); an admin key any run. A run whose job has since been deleted
    cannot be replayed (404, as a submit of it).

    Args:
        job_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        NativeError | NativeUnauthorizedError | SubmitRunResponse
    """

    return sync_detailed(
        job_id=job_id,
        client=client,
    ).parsed


async def asyncio_detailed(
    job_id: str,
    *,
    client: AuthenticatedClient,
) -> Response[NativeError | NativeUnauthorizedError | SubmitRunResponse]:
    """Run a run again

     runyard extension (PraisonAI's server has no such operation): submits
    a new run made from an existing one, as Trigger.dev's replay does:
    the same job and job version, input, session, tags, metadata and
    options (attempts, timeout, priority, queue, command override), in
    the original's environment. Its idempotency key, delay, TTL and
    webhook are not carried over. The answer is a submit's (202, with
    `Location` and `Retry-After`), for the new run; the original is left
    as it is.

    An environment key may replay only its environment's runs (another's
    is 404); an admin key any run. A run whose job has since been deleted
    cannot be replayed (404, as a submit of it).

    Args:
        job_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[NativeError | NativeUnauthorizedError | SubmitRunResponse]
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
) -> NativeError | NativeUnauthorizedError | SubmitRunResponse | None:
    """Run a run again

     runyard extension (PraisonAI's server has no such operation): submits
    a new run made from an existing one, as Trigger.dev's replay does:
    the same job and job version, input, session, tags, metadata and
    options (attempts, timeout, priority, queue, command override), in
    the original's environment. Its idempotency key, delay, TTL and
    webhook are not carried over. The answer is a submit's (202, with
    `Location` and `Retry-After`), for the new run; the original is left
    as it is.

    An environment key may replay only its environment's runs (another's
    is 404); an admin key any run. A run whose job has since been deleted
    cannot be replayed (404, as a submit of it).

    Args:
        job_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        NativeError | NativeUnauthorizedError | SubmitRunResponse
    """

    return (
        await asyncio_detailed(
            job_id=job_id,
            client=client,
        )
    ).parsed
