from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.job import Job
from ...models.job_spec import JobSpec
from ...models.native_error import NativeError
from ...models.native_unauthorized_error import NativeUnauthorizedError
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    name: str,
    *,
    body: JobSpec,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "put",
        "url": "/api/v1/jobs/{name}".format(
            name=quote(str(name), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Job | NativeError | NativeUnauthorizedError | Problem | None:
    if response.status_code == 200:
        response_200 = Job.from_dict(response.json())

        return response_200

    if response.status_code == 201:
        response_201 = Job.from_dict(response.json())

        return response_201

    if response.status_code == 400:
        response_400 = NativeError.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = NativeUnauthorizedError.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = NativeError.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

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
) -> Response[Job | NativeError | NativeUnauthorizedError | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    name: str,
    *,
    client: AuthenticatedClient,
    body: JobSpec,
) -> Response[Job | NativeError | NativeUnauthorizedError | Problem]:
    """Define or change a job

     Creates the job (201) or, when the definition differs from the
    current one, makes a new version of it (200). An identical definition
    changes nothing (200, same version). Runs submitted earlier keep the
    version they were submitted against.

    Only an admin may define or change jobs (403 for any other key): a
    job's command is what runs, and what runs is decided by admins. On an
    open server a request without a key is an admin.

    Args:
        name (str): A job's name.
        body (JobSpec): A job's definition.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Job | NativeError | NativeUnauthorizedError | Problem]
    """

    kwargs = _get_kwargs(
        name=name,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    name: str,
    *,
    client: AuthenticatedClient,
    body: JobSpec,
) -> Job | NativeError | NativeUnauthorizedError | Problem | None:
    """Define or change a job

     Creates the job (201) or, when the definition differs from the
    current one, makes a new version of it (200). An identical definition
    changes nothing (200, same version). Runs submitted earlier keep the
    version they were submitted against.

    Only an admin may define or change jobs (403 for any other key): a
    job's command is what runs, and what runs is decided by admins. On an
    open server a request without a key is an admin.

    Args:
        name (str): A job's name.
        body (JobSpec): A job's definition.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Job | NativeError | NativeUnauthorizedError | Problem
    """

    return sync_detailed(
        name=name,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    name: str,
    *,
    client: AuthenticatedClient,
    body: JobSpec,
) -> Response[Job | NativeError | NativeUnauthorizedError | Problem]:
    """Define or change a job

     Creates the job (201) or, when the definition differs from the
    current one, makes a new version of it (200). An identical definition
    changes nothing (200, same version). Runs submitted earlier keep the
    version they were submitted against.

    Only an admin may define or change jobs (403 for any other key): a
    job's command is what runs, and what runs is decided by admins. On an
    open server a request without a key is an admin.

    Args:
        name (str): A job's name.
        body (JobSpec): A job's definition.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Job | NativeError | NativeUnauthorizedError | Problem]
    """

    kwargs = _get_kwargs(
        name=name,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    name: str,
    *,
    client: AuthenticatedClient,
    body: JobSpec,
) -> Job | NativeError | NativeUnauthorizedError | Problem | None:
    """Define or change a job

     Creates the job (201) or, when the definition differs from the
    current one, makes a new version of it (200). An identical definition
    changes nothing (200, same version). Runs submitted earlier keep the
    version they were submitted against.

    Only an admin may define or change jobs (403 for any other key): a
    job's command is what runs, and what runs is decided by admins. On an
    open server a request without a key is an admin.

    Args:
        name (str): A job's name.
        body (JobSpec): A job's definition.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Job | NativeError | NativeUnauthorizedError | Problem
    """

    return (
        await asyncio_detailed(
            name=name,
            client=client,
            body=body,
        )
    ).parsed
