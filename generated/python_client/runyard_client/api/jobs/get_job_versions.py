from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.job_version_list import JobVersionList
from ...models.native_error import NativeError
from ...models.native_unauthorized_error import NativeUnauthorizedError
from ...types import Response


def _get_kwargs(
    name: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/jobs/{name}/versions".format(
            name=quote(str(name), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> JobVersionList | NativeError | NativeUnauthorizedError | None:
    if response.status_code == 200:
        response_200 = JobVersionList.from_dict(response.json())

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
) -> Response[JobVersionList | NativeError | NativeUnauthorizedError]:
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
) -> Response[JobVersionList | NativeError | NativeUnauthorizedError]:
    """List a job's versions

     runyard extension (PraisonAI's server has no jobs): every version of
    a job's definition, newest first, with when it was made. Runs name
    the version they were submitted against (`job_version` in a run's
    details), so this shows what each of them ran. Environment values
    are shown as `<redacted>`, as in the job itself. Visible to any key,
    as the jobs are.

    Args:
        name (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[JobVersionList | NativeError | NativeUnauthorizedError]
    """

    kwargs = _get_kwargs(
        name=name,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    name: str,
    *,
    client: AuthenticatedClient,
) -> JobVersionList | NativeError | NativeUnauthorizedError | None:
    """List a job's versions

     runyard extension (PraisonAI's server has no jobs): every version of
    a job's definition, newest first, with when it was made. Runs name
    the version they were submitted against (`job_version` in a run's
    details), so this shows what each of them ran. Environment values
    are shown as `<redacted>`, as in the job itself. Visible to any key,
    as the jobs are.

    Args:
        name (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        JobVersionList | NativeError | NativeUnauthorizedError
    """

    return sync_detailed(
        name=name,
        client=client,
    ).parsed


async def asyncio_detailed(
    name: str,
    *,
    client: AuthenticatedClient,
) -> Response[JobVersionList | NativeError | NativeUnauthorizedError]:
    """List a job's versions

     runyard extension (PraisonAI's server has no jobs): every version of
    a job's definition, newest first, with when it was made. Runs name
    the version they were submitted against (`job_version` in a run's
    details), so this shows what each of them ran. Environment values
    are shown as `<redacted>`, as in the job itself. Visible to any key,
    as the jobs are.

    Args:
        name (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[JobVersionList | NativeError | NativeUnauthorizedError]
    """

    kwargs = _get_kwargs(
        name=name,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    name: str,
    *,
    client: AuthenticatedClient,
) -> JobVersionList | NativeError | NativeUnauthorizedError | None:
    """List a job's versions

     runyard extension (PraisonAI's server has no jobs): every version of
    a job's definition, newest first, with when it was made. Runs name
    the version they were submitted against (`job_version` in a run's
    details), so this shows what each of them ran. Environment values
    are shown as `<redacted>`, as in the job itself. Visible to any key,
    as the jobs are.

    Args:
        name (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        JobVersionList | NativeError | NativeUnauthorizedError
    """

    return (
        await asyncio_detailed(
            name=name,
            client=client,
        )
    ).parsed
