from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.native_error import NativeError
from ...models.native_unauthorized_error import NativeUnauthorizedError
from ...models.problem import Problem
from ...models.schedule import Schedule
from ...models.update_schedule_request import UpdateScheduleRequest
from ...types import Response


def _get_kwargs(
    schedule_id: str,
    *,
    body: UpdateScheduleRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "put",
        "url": "/api/v1/schedules/{schedule_id}".format(
            schedule_id=quote(str(schedule_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> NativeError | NativeUnauthorizedError | Problem | Schedule | None:
    if response.status_code == 200:
        response_200 = Schedule.from_dict(response.json())

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

    if response.status_code == 404:
        response_404 = NativeError.from_dict(response.json())

        return response_404

    if response.status_code == 408:
        response_408 = Problem.from_dict(response.json())

        return response_408

    if response.status_code == 409:
        response_409 = NativeError.from_dict(response.json())

        return response_409

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
) -> Response[NativeError | NativeUnauthorizedError | Problem | Schedule]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    schedule_id: str,
    *,
    client: AuthenticatedClient,
    body: UpdateScheduleRequest,
) -> Response[NativeError | NativeUnauthorizedError | Problem | Schedule]:
    """Change a schedule

     Sets the schedule's job, expression, time zone and external id (as
    Trigger.dev's update does: an absent `timezone` is UTC, an absent
    `external_id` none); `input` and `overlap` only when given. The
    schedule is next due at the first time after now by its new
    expression. Admins only. A schedule declared in the jobs file
    (`declarative`) is changed there, not here (409).

    Args:
        schedule_id (str):
        body (UpdateScheduleRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[NativeError | NativeUnauthorizedError | Problem | Schedule]
    """

    kwargs = _get_kwargs(
        schedule_id=schedule_id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    schedule_id: str,
    *,
    client: AuthenticatedClient,
    body: UpdateScheduleRequest,
) -> NativeError | NativeUnauthorizedError | Problem | Schedule | None:
    """Change a schedule

     Sets the schedule's job, expression, time zone and external id (as
    Trigger.dev's update does: an absent `timezone` is UTC, an absent
    `external_id` none); `input` and `overlap` only when given. The
    schedule is next due at the first time after now by its new
    expression. Admins only. A schedule declared in the jobs file
    (`declarative`) is changed there, not here (409).

    Args:
        schedule_id (str):
        body (UpdateScheduleRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        NativeError | NativeUnauthorizedError | Problem | Schedule
    """

    return sync_detailed(
        schedule_id=schedule_id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    schedule_id: str,
    *,
    client: AuthenticatedClient,
    body: UpdateScheduleRequest,
) -> Response[NativeError | NativeUnauthorizedError | Problem | Schedule]:
    """Change a schedule

     Sets the schedule's job, expression, time zone and external id (as
    Trigger.dev's update does: an absent `timezone` is UTC, an absent
    `external_id` none); `input` and `overlap` only when given. The
    schedule is next due at the first time after now by its new
    expression. Admins only. A schedule declared in the jobs file
    (`declarative`) is changed there, not here (409).

    Args:
        schedule_id (str):
        body (UpdateScheduleRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[NativeError | NativeUnauthorizedError | Problem | Schedule]
    """

    kwargs = _get_kwargs(
        schedule_id=schedule_id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    schedule_id: str,
    *,
    client: AuthenticatedClient,
    body: UpdateScheduleRequest,
) -> NativeError | NativeUnauthorizedError | Problem | Schedule | None:
    """Change a schedule

     Sets the schedule's job, expression, time zone and external id (as
    Trigger.dev's update does: an absent `timezone` is UTC, an absent
    `external_id` none); `input` and `overlap` only when given. The
    schedule is next due at the first time after now by its new
    expression. Admins only. A schedule declared in the jobs file
    (`declarative`) is changed there, not here (409).

    Args:
        schedule_id (str):
        body (UpdateScheduleRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        NativeError | NativeUnauthorizedError | Problem | Schedule
    """

    return (
        await asyncio_detailed(
            schedule_id=schedule_id,
            client=client,
            body=body,
        )
    ).parsed
