from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.native_error import NativeError
from ...models.native_unauthorized_error import NativeUnauthorizedError
from ...models.problem import Problem
from ...models.submit_run_request import SubmitRunRequest
from ...models.submit_run_response import SubmitRunResponse
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: SubmitRunRequest,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/runs",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> NativeError | NativeUnauthorizedError | Problem | SubmitRunResponse | None:
    if response.status_code == 200:
        response_200 = SubmitRunResponse.from_dict(response.json())

        return response_200

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

    if response.status_code == 408:
        response_408 = Problem.from_dict(response.json())

        return response_408

    if response.status_code == 413:
        response_413 = Problem.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = Problem.from_dict(response.json())

        return response_415

    if response.status_code == 503:
        response_503 = NativeError.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[NativeError | NativeUnauthorizedError | Problem | SubmitRunResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: SubmitRunRequest,
    idempotency_key: str | Unset = UNSET,
) -> Response[NativeError | NativeUnauthorizedError | Problem | SubmitRunResponse]:
    """Submit a run

     Accepts a run of a defined job and answers at once (202) with its id;
    poll the `Location` for its status, waiting `Retry-After` seconds
    between polls, or follow its `stream_url`. The built-in job `demo`
    (a few seconds of progress, then a result echoing the input) always
    exists.

    An idempotency key (the `Idempotency-Key` header or the body's
    `idempotency_key`; when both are given, the header wins) makes a
    retried submit safe: the same key again answers 200 with the run
    created first, and nothing new is stored. Keys are unique within an
    environment: a run submitted here without a key belongs to the
    environment `default` (created on first use), and the same run is
    seen by the Trigger.dev and TrueFoundry APIs with a `default` key.

    PraisonAI's request works as it is: a `prompt` without `job` runs the
    server's prompt job with every submitted field as its input (see the
    request body). `poll_url`, `stream_url` and `Location` are absolute,
    built from the request's base URL (`--trust-proxy` takes the scheme
    and host from `X-Forwarded-Proto` and `X-Forwarded-Host`).

    Where runyard differs from PraisonAI's server, and why:
    a repeated idempotency key answers 200, not 202, so a client can
    tell that nothing new was created; `idempotency_scope` has a meaning
    (PraisonAI's ignores it); a field the contract does not know is
    refused (400) rather than dropped, so a misspelt option is never
    silently lost; invalid bodies are 400 problem documents, as every
    native error, where FastAPI answers 422; `webhook_url` is called
    however the run ends, signed and retried (PraisonAI's: once, on
    success only). With `--max-queued`, a full queue is 503 with
    `Retry-After: 1`, as PraisonAI's.

    Args:
        idempotency_key (str | Unset): A client-chosen key; the same key (in the same environment)
            returns the run created first.
        body (SubmitRunRequest): A run to accept: PraisonAI's submit request as it is (`prompt`
            and the
            agent options), or runyard's own (`job` and `input`), or both. A
            prompt without `job` runs the server's prompt job (`--prompt-job`,
            default the built-in `praisonai`), whose input carries every field
            submitted. One of `prompt` and `job` is required.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[NativeError | NativeUnauthorizedError | Problem | SubmitRunResponse]
    """

    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: SubmitRunRequest,
    idempotency_key: str | Unset = UNSET,
) -> NativeError | NativeUnauthorizedError | Problem | SubmitRunResponse | None:
    """Submit a run

     Accepts a run of a defined job and answers at once (202) with its id;
    poll the `Location` for its status, waiting `Retry-After` seconds
    between polls, or follow its `stream_url`. The built-in job `demo`
    (a few seconds of progress, then a result echoing the input) always
    exists.

    An idempotency key (the `Idempotency-Key` header or the body's
    `idempotency_key`; when both are given, the header wins) makes a
    retried submit safe: the same key again answers 200 with the run
    created first, and nothing new is stored. Keys are unique within an
    environment: a run submitted here without a key belongs to the
    environment `default` (created on first use), and the same run is
    seen by the Trigger.dev and TrueFoundry APIs with a `default` key.

    PraisonAI's request works as it is: a `prompt` without `job` runs the
    server's prompt job with every submitted field as its input (see the
    request body). `poll_url`, `stream_url` and `Location` are absolute,
    built from the request's base URL (`--trust-proxy` takes the scheme
    and host from `X-Forwarded-Proto` and `X-Forwarded-Host`).

    Where runyard differs from PraisonAI's server, and why:
    a repeated idempotency key answers 200, not 202, so a client can
    tell that nothing new was created; `idempotency_scope` has a meaning
    (PraisonAI's ignores it); a field the contract does not know is
    refused (400) rather than dropped, so a misspelt option is never
    silently lost; invalid bodies are 400 problem documents, as every
    native error, where FastAPI answers 422; `webhook_url` is called
    however the run ends, signed and retried (PraisonAI's: once, on
    success only). With `--max-queued`, a full queue is 503 with
    `Retry-After: 1`, as PraisonAI's.

    Args:
        idempotency_key (str | Unset): A client-chosen key; the same key (in the same environment)
            returns the run created first.
        body (SubmitRunRequest): A run to accept: PraisonAI's submit request as it is (`prompt`
            and the
            agent options), or runyard's own (`job` and `input`), or both. A
            prompt without `job` runs the server's prompt job (`--prompt-job`,
            default the built-in `praisonai`), whose input carries every field
            submitted. One of `prompt` and `job` is required.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        NativeError | NativeUnauthorizedError | Problem | SubmitRunResponse
    """

    return sync_detailed(
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: SubmitRunRequest,
    idempotency_key: str | Unset = UNSET,
) -> Response[NativeError | NativeUnauthorizedError | Problem | SubmitRunResponse]:
    """Submit a run

     Accepts a run of a defined job and answers at once (202) with its id;
    poll the `Location` for its status, waiting `Retry-After` seconds
    between polls, or follow its `stream_url`. The built-in job `demo`
    (a few seconds of progress, then a result echoing the input) always
    exists.

    An idempotency key (the `Idempotency-Key` header or the body's
    `idempotency_key`; when both are given, the header wins) makes a
    retried submit safe: the same key again answers 200 with the run
    created first, and nothing new is stored. Keys are unique within an
    environment: a run submitted here without a key belongs to the
    environment `default` (created on first use), and the same run is
    seen by the Trigger.dev and TrueFoundry APIs with a `default` key.

    PraisonAI's request works as it is: a `prompt` without `job` runs the
    server's prompt job with every submitted field as its input (see the
    request body). `poll_url`, `stream_url` and `Location` are absolute,
    built from the request's base URL (`--trust-proxy` takes the scheme
    and host from `X-Forwarded-Proto` and `X-Forwarded-Host`).

    Where runyard differs from PraisonAI's server, and why:
    a repeated idempotency key answers 200, not 202, so a client can
    tell that nothing new was created; `idempotency_scope` has a meaning
    (PraisonAI's ignores it); a field the contract does not know is
    refused (400) rather than dropped, so a misspelt option is never
    silently lost; invalid bodies are 400 problem documents, as every
    native error, where FastAPI answers 422; `webhook_url` is called
    however the run ends, signed and retried (PraisonAI's: once, on
    success only). With `--max-queued`, a full queue is 503 with
    `Retry-After: 1`, as PraisonAI's.

    Args:
        idempotency_key (str | Unset): A client-chosen key; the same key (in the same environment)
            returns the run created first.
        body (SubmitRunRequest): A run to accept: PraisonAI's submit request as it is (`prompt`
            and the
            agent options), or runyard's own (`job` and `input`), or both. A
            prompt without `job` runs the server's prompt job (`--prompt-job`,
            default the built-in `praisonai`), whose input carries every field
            submitted. One of `prompt` and `job` is required.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[NativeError | NativeUnauthorizedError | Problem | SubmitRunResponse]
    """

    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: SubmitRunRequest,
    idempotency_key: str | Unset = UNSET,
) -> NativeError | NativeUnauthorizedError | Problem | SubmitRunResponse | None:
    """Submit a run

     Accepts a run of a defined job and answers at once (202) with its id;
    poll the `Location` for its status, waiting `Retry-After` seconds
    between polls, or follow its `stream_url`. The built-in job `demo`
    (a few seconds of progress, then a result echoing the input) always
    exists.

    An idempotency key (the `Idempotency-Key` header or the body's
    `idempotency_key`; when both are given, the header wins) makes a
    retried submit safe: the same key again answers 200 with the run
    created first, and nothing new is stored. Keys are unique within an
    environment: a run submitted here without a key belongs to the
    environment `default` (created on first use), and the same run is
    seen by the Trigger.dev and TrueFoundry APIs with a `default` key.

    PraisonAI's request works as it is: a `prompt` without `job` runs the
    server's prompt job with every submitted field as its input (see the
    request body). `poll_url`, `stream_url` and `Location` are absolute,
    built from the request's base URL (`--trust-proxy` takes the scheme
    and host from `X-Forwarded-Proto` and `X-Forwarded-Host`).

    Where runyard differs from PraisonAI's server, and why:
    a repeated idempotency key answers 200, not 202, so a client can
    tell that nothing new was created; `idempotency_scope` has a meaning
    (PraisonAI's ignores it); a field the contract does not know is
    refused (400) rather than dropped, so a misspelt option is never
    silently lost; invalid bodies are 400 problem documents, as every
    native error, where FastAPI answers 422; `webhook_url` is called
    however the run ends, signed and retried (PraisonAI's: once, on
    success only). With `--max-queued`, a full queue is 503 with
    `Retry-After: 1`, as PraisonAI's.

    Args:
        idempotency_key (str | Unset): A client-chosen key; the same key (in the same environment)
            returns the run created first.
        body (SubmitRunRequest): A run to accept: PraisonAI's submit request as it is (`prompt`
            and the
            agent options), or runyard's own (`job` and `input`), or both. A
            prompt without `job` runs the server's prompt job (`--prompt-job`,
            default the built-in `praisonai`), whose input carries every field
            submitted. One of `prompt` and `job` is required.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        NativeError | NativeUnauthorizedError | Problem | SubmitRunResponse
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
