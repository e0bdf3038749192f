from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.create_schedule_request import CreateScheduleRequest
from ...models.native_error import NativeError
from ...models.native_unauthorized_error import NativeUnauthorizedError
from ...models.problem import Problem
from ...models.schedule import Schedule
from ...types import Response


def _get_kwargs(
    *,
    body: CreateScheduleRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/schedules",
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

    if response.status_code == 201:
        response_201 = Schedule.from_dict(response.json())

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
    *,
    client: AuthenticatedClient,
    body: CreateScheduleRequest,
) -> Response[NativeError | NativeUnauthorizedError | Problem | Schedule]:
    """Create a schedule

     Makes a job run on a clock: every time the cron expression comes due
    in the schedule's time zone, exactly one run of the job is created in
    the schedule's environment, however many servers share the database.
    The run's input is Trigger.dev's scheduled payload (`scheduleId`,
    `type`, `timestamp`, `lastTimestamp`, `externalId`, `timezone`,
    `upcoming`), with the schedule's `input` under `input` when it has
    one.

    The expression has five fields (minute, hour, day of month, month,
    day of week) with `*`, lists, ranges, steps, names and Trigger.dev's
    `L` (`L` as day of month: the last day; `5L` as day of week: the last
    Friday). Times are those of `timezone` (an IANA name, UTC by
    default), daylight saving time included, as cron users expect it: a
    local time the clocks skip fires once, just after the gap; a local
    time they repeat fires once. A server that was down fires a schedule
    once for the latest time it missed, not once per missed time.

    With a `deduplication_key` already used in the environment, the
    schedule with that key is updated instead (200) rather than a second
    one created (201). Only an admin may create schedules (403 for any
    other key): what runs and when is decided by admins. An admin may
    create one in any environment with `environment` (default: the key's
    own; on an open server without a key, `default`).

    Refused with nothing stored: an invalid expression (400, naming the
    field), an unknown time zone (400), an expression that never comes
    due, such as the 30th of February (400), an unknown job (404), a job
    the environment may not use (403).

    Args:
        body (CreateScheduleRequest): A new schedule; `environment` (admins) says where its runs
            belong (default the key's environment).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[NativeError | NativeUnauthorizedError | Problem | Schedule]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: CreateScheduleRequest,
) -> NativeError | NativeUnauthorizedError | Problem | Schedule | None:
    """Create a schedule

     Makes a job run on a clock: every time the cron expression comes due
    in the schedule's time zone, exactly one run of the job is created in
    the schedule's environment, however many servers share the database.
    The run's input is Trigger.dev's scheduled payload (`scheduleId`,
    `type`, `timestamp`, `lastTimestamp`, `externalId`, `timezone`,
    `upcoming`), with the schedule's `input` under `input` when it has
    one.

    The expression has five fields (minute, hour, day of month, month,
    day of week) with `*`, lists, ranges, steps, names and Trigger.dev's
    `L` (`L` as day of month: the last day; `5L` as day of week: the last
    Friday). Times are those of `timezone` (an IANA name, UTC by
    default), daylight saving time included, as cron users expect it: a
    local time the clocks skip fires once, just after the gap; a local
    time they repeat fires once. A server that was down fires a schedule
    once for the latest time it missed, not once per missed time.

    With a `deduplication_key` already used in the environment, the
    schedule with that key is updated instead (200) rather than a second
    one created (201). Only an admin may create schedules (403 for any
    other key): what runs and when is decided by admins. An admin may
    create one in any environment with `environment` (default: the key's
    own; on an open server without a key, `default`).

    Refused with nothing stored: an invalid expression (400, naming the
    field), an unknown time zone (400), an expression that never comes
    due, such as the 30th of February (400), an unknown job (404), a job
    the environment may not use (403).

    Args:
        body (CreateScheduleRequest): A new schedule; `environment` (admins) says where its runs
            belong (default the key's environment).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        NativeError | NativeUnauthorizedError | Problem | Schedule
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: CreateScheduleRequest,
) -> Response[NativeError | NativeUnauthorizedError | Problem | Schedule]:
    """Create a schedule

     Makes a job run on a clock: every time the cron expression comes due
    in the schedule's time zone, exactly one run of the job is created in
    the schedule's environment, however many servers share the database.
    The run's input is Trigger.dev's scheduled payload (`scheduleId`,
    `type`, `timestamp`, `lastTimestamp`, `externalId`, `timezone`,
    `upcoming`), with the schedule's `input` under `input` when it has
    one.

    The expression has five fields (minute, hour, day of month, month,
    day of week) with `*`, lists, ranges, steps, names and Trigger.dev's
    `L` (`L` as day of month: the last day; `5L` as day of week: the last
    Friday). Times are those of `timezone` (an IANA name, UTC by
    default), daylight saving time included, as cron users expect it: a
    local time the clocks skip fires once, just after the gap; a local
    time they repeat fires once. A server that was down fires a schedule
    once for the latest time it missed, not once per missed time.

    With a `deduplication_key` already used in the environment, the
    schedule with that key is updated instead (200) rather than a second
    one created (201). Only an admin may create schedules (403 for any
    other key): what runs and when is decided by admins. An admin may
    create one in any environment with `environment` (default: the key's
    own; on an open server without a key, `default`).

    Refused with nothing stored: an invalid expression (400, naming the
    field), an unknown time zone (400), an expression that never comes
    due, such as the 30th of February (400), an unknown job (404), a job
    the environment may not use (403).

    Args:
        body (CreateScheduleRequest): A new schedule; `environment` (admins) says where its runs
            belong (default the key's environment).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[NativeError | NativeUnauthorizedError | Problem | Schedule]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: CreateScheduleRequest,
) -> NativeError | NativeUnauthorizedError | Problem | Schedule | None:
    """Create a schedule

     Makes a job run on a clock: every time the cron expression comes due
    in the schedule's time zone, exactly one run of the job is created in
    the schedule's environment, however many servers share the database.
    The run's input is Trigger.dev's scheduled payload (`scheduleId`,
    `type`, `timestamp`, `lastTimestamp`, `externalId`, `timezone`,
    `upcoming`), with the schedule's `input` under `input` when it has
    one.

    The expression has five fields (minute, hour, day of month, month,
    day of week) with `*`, lists, ranges, steps, names and Trigger.dev's
    `L` (`L` as day of month: the last day; `5L` as day of week: the last
    Friday). Times are those of `timezone` (an IANA name, UTC by
    default), daylight saving time included, as cron users expect it: a
    local time the clocks skip fires once, just after the gap; a local
    time they repeat fires once. A server that was down fires a schedule
    once for the latest time it missed, not once per missed time.

    With a `deduplication_key` already used in the environment, the
    schedule with that key is updated instead (200) rather than a second
    one created (201). Only an admin may create schedules (403 for any
    other key): what runs and when is decided by admins. An admin may
    create one in any environment with `environment` (default: the key's
    own; on an open server without a key, `default`).

    Refused with nothing stored: an invalid expression (400, naming the
    field), an unknown time zone (400), an expression that never comes
    due, such as the 30th of February (400), an unknown job (404), a job
    the environment may not use (403).

    Args:
        body (CreateScheduleRequest): A new schedule; `environment` (admins) says where its runs
            belong (default the key's environment).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        NativeError | NativeUnauthorizedError | Problem | Schedule
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
