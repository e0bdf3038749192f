import datetime
from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.native_error import NativeError
from ...models.native_status import NativeStatus
from ...models.native_unauthorized_error import NativeUnauthorizedError
from ...models.run_list import RunList
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    status: NativeStatus | Unset = UNSET,
    session_id: str | Unset = UNSET,
    job: str | Unset = UNSET,
    schedule: str | Unset = UNSET,
    environment: str | Unset = UNSET,
    tag: str | Unset = UNSET,
    created_after: datetime.datetime | Unset = UNSET,
    created_before: datetime.datetime | Unset = UNSET,
    cursor: str | Unset = UNSET,
    page: int | Unset = 1,
    page_size: int | Unset = 20,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_status: str | Unset = UNSET
    if not isinstance(status, Unset):
        json_status = status

    params["status"] = json_status

    params["session_id"] = session_id

    params["job"] = job

    params["schedule"] = schedule

    params["environment"] = environment

    params["tag"] = tag

    json_created_after: str | Unset = UNSET
    if not isinstance(created_after, Unset):
        json_created_after = created_after.isoformat()
    params["created_after"] = json_created_after

    json_created_before: str | Unset = UNSET
    if not isinstance(created_before, Unset):
        json_created_before = created_before.isoformat()
    params["created_before"] = json_created_before

    params["cursor"] = cursor

    params["page"] = page

    params["page_size"] = page_size

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/runs",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> NativeError | NativeUnauthorizedError | RunList | None:
    if response.status_code == 200:
        response_200 = RunList.from_dict(response.json())

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

    if response.status_code == 503:
        response_503 = NativeError.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[NativeError | NativeUnauthorizedError | RunList]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    status: NativeStatus | Unset = UNSET,
    session_id: str | Unset = UNSET,
    job: str | Unset = UNSET,
    schedule: str | Unset = UNSET,
    environment: str | Unset = UNSET,
    tag: str | Unset = UNSET,
    created_after: datetime.datetime | Unset = UNSET,
    created_before: datetime.datetime | Unset = UNSET,
    cursor: str | Unset = UNSET,
    page: int | Unset = 1,
    page_size: int | Unset = 20,
) -> Response[NativeError | NativeUnauthorizedError | RunList]:
    """List runs

     A page of runs, newest first (by creation time, then id), with the total
    number of runs matching the filters. Pages are numbered from 1; a page
    past the end is an empty `jobs` list with the true `total`.

    `status` selects every internal state shown under that native status
    (for example `queued` also selects delayed and retrying runs).

    An environment key lists its own environment's runs only, and `total`
    counts only those. An admin key (and, on an open server, a request
    without a key) lists every environment's runs, or one environment's
    with `environment`.

    Where runyard differs from PraisonAI's server: its items are whole
    status answers (with null-valued `agent_id`, `run_id`, `error`,
    `retry_after`, ...); runyard's follow the seed: its four fields, plus
    `progress` (which PraisonAI's client shows) and
    `started_at`/`completed_at` once they exist. Invalid parameters are
    400 problem documents (the seed's 400; FastAPI's validation answers
    422).

    runyard extensions (PraisonAI's server has no such parameters or
    fields), for a dashboard's runs table:

    * filters `tag`, `created_after` and `created_before` (inclusive
      bounds on the creation time); `total` counts the runs they select
      through an index (the tags' own index for `tag`, the creation-time
      indexes for the bounds), never by reading every run;
    * keyset pages: every answer's `next_cursor` (null when no run lies
      beyond the page) passed back as `cursor` answers the `page_size`
      runs that follow the previous page's last run in the list order.
      A cursor page is an index seek at any depth (a numbered page far
      down walks past every run before it), and runs submitted meanwhile
      do not shift it. `page` is 1 in a cursor's answer; `cursor` with a
      `page` past the first is a 400, as is a cursor not of the shape
      runyard makes (the pattern below; its contents may change, so pass
      it back untouched);
    * item fields `job`, `environment`, `tags`, `duration_seconds` and
      `attempt`.

    Args:
        status (NativeStatus | Unset): A run's status as the native dialect shows it. Internal
            states map as:
            delayed, queued, retrying -> queued; running, cancelling -> running;
            succeeded -> succeeded; failed, timed_out, crashed, system_failure ->
            failed; cancelled, expired -> cancelled.
        session_id (str | Unset):
        job (str | Unset):
        schedule (str | Unset):
        environment (str | Unset): An environment's name. Example: prod.
        tag (str | Unset):
        created_after (datetime.datetime | Unset):
        created_before (datetime.datetime | Unset):
        cursor (str | Unset):
        page (int | Unset):  Default: 1.
        page_size (int | Unset):  Default: 20.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[NativeError | NativeUnauthorizedError | RunList]
    """

    kwargs = _get_kwargs(
        status=status,
        session_id=session_id,
        job=job,
        schedule=schedule,
        environment=environment,
        tag=tag,
        created_after=created_after,
        created_before=created_before,
        cursor=cursor,
        page=page,
        page_size=page_size,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    status: NativeStatus | Unset = UNSET,
    session_id: str | Unset = UNSET,
    job: str | Unset = UNSET,
    schedule: str | Unset = UNSET,
    environment: str | Unset = UNSET,
    tag: str | Unset = UNSET,
    created_after: datetime.datetime | Unset = UNSET,
    created_before: datetime.datetime | Unset = UNSET,
    cursor: str | Unset = UNSET,
    page: int | Unset = 1,
    page_size: int | Unset = 20,
) -> NativeError | NativeUnauthorizedError | RunList | None:
    """List runs

     A page of runs, newest first (by creation time, then id), with the total
    number of runs matching the filters. Pages are numbered from 1; a page
    past the end is an empty `jobs` list with the true `total`.

    `status` selects every internal state shown under that native status
    (for example `queued` also selects delayed and retrying runs).

    An environment key lists its own environment's runs only, and `total`
    counts only those. An admin key (and, on an open server, a request
    without a key) lists every environment's runs, or one environment's
    with `environment`.

    Where runyard differs from PraisonAI's server: its items are whole
    status answers (with null-valued `agent_id`, `run_id`, `error`,
    `retry_after`, ...); runyard's follow the seed: its four fields, plus
    `progress` (which PraisonAI's client shows) and
    `started_at`/`completed_at` once they exist. Invalid parameters are
    400 problem documents (the seed's 400; FastAPI's validation answers
    422).

    runyard extensions (PraisonAI's server has no such parameters or
    fields), for a dashboard's runs table:

    * filters `tag`, `created_after` and `created_before` (inclusive
      bounds on the creation time); `total` counts the runs they select
      through an index (the tags' own index for `tag`, the creation-time
      indexes for the bounds), never by reading every run;
    * keyset pages: every answer's `next_cursor` (null when no run lies
      beyond the page) passed back as `cursor` answers the `page_size`
      runs that follow the previous page's last run in the list order.
      A cursor page is an index seek at any depth (a numbered page far
      down walks past every run before it), and runs submitted meanwhile
      do not shift it. `page` is 1 in a cursor's answer; `cursor` with a
      `page` past the first is a 400, as is a cursor not of the shape
      runyard makes (the pattern below; its contents may change, so pass
      it back untouched);
    * item fields `job`, `environment`, `tags`, `duration_seconds` and
      `attempt`.

    Args:
        status (NativeStatus | Unset): A run's status as the native dialect shows it. Internal
            states map as:
            delayed, queued, retrying -> queued; running, cancelling -> running;
            succeeded -> succeeded; failed, timed_out, crashed, system_failure ->
            failed; cancelled, expired -> cancelled.
        session_id (str | Unset):
        job (str | Unset):
        schedule (str | Unset):
        environment (str | Unset): An environment's name. Example: prod.
        tag (str | Unset):
        created_after (datetime.datetime | Unset):
        created_before (datetime.datetime | Unset):
        cursor (str | Unset):
        page (int | Unset):  Default: 1.
        page_size (int | Unset):  Default: 20.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        NativeError | NativeUnauthorizedError | RunList
    """

    return sync_detailed(
        client=client,
        status=status,
        session_id=session_id,
        job=job,
        schedule=schedule,
        environment=environment,
        tag=tag,
        created_after=created_after,
        created_before=created_before,
        cursor=cursor,
        page=page,
        page_size=page_size,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    status: NativeStatus | Unset = UNSET,
    session_id: str | Unset = UNSET,
    job: str | Unset = UNSET,
    schedule: str | Unset = UNSET,
    environment: str | Unset = UNSET,
    tag: str | Unset = UNSET,
    created_after: datetime.datetime | Unset = UNSET,
    created_before: datetime.datetime | Unset = UNSET,
    cursor: str | Unset = UNSET,
    page: int | Unset = 1,
    page_size: int | Unset = 20,
) -> Response[NativeError | NativeUnauthorizedError | RunList]:
    """List runs

     A page of runs, newest first (by creation time, then id), with the total
    number of runs matching the filters. Pages are numbered from 1; a page
    past the end is an empty `jobs` list with the true `total`.

    `status` selects every internal state shown under that native status
    (for example `queued` also selects delayed and retrying runs).

    An environment key lists its own environment's runs only, and `total`
    counts only those. An admin key (and, on an open server, a request
    without a key) lists every environment's runs, or one environment's
    with `environment`.

    Where runyard differs from PraisonAI's server: its items are whole
    status answers (with null-valued `agent_id`, `run_id`, `error`,
    `retry_after`, ...); runyard's follow the seed: its four fields, plus
    `progress` (which PraisonAI's client shows) and
    `started_at`/`completed_at` once they exist. Invalid parameters are
    400 problem documents (the seed's 400; FastAPI's validation answers
    422).

    runyard extensions (PraisonAI's server has no such parameters or
    fields), for a dashboard's runs table:

    * filters `tag`, `created_after` and `created_before` (inclusive
      bounds on the creation time); `total` counts the runs they select
      through an index (the tags' own index for `tag`, the creation-time
      indexes for the bounds), never by reading every run;
    * keyset pages: every answer's `next_cursor` (null when no run lies
      beyond the page) passed back as `cursor` answers the `page_size`
      runs that follow the previous page's last run in the list order.
      A cursor page is an index seek at any depth (a numbered page far
      down walks past every run before it), and runs submitted meanwhile
      do not shift it. `page` is 1 in a cursor's answer; `cursor` with a
      `page` past the first is a 400, as is a cursor not of the shape
      runyard makes (the pattern below; its contents may change, so pass
      it back untouched);
    * item fields `job`, `environment`, `tags`, `duration_seconds` and
      `attempt`.

    Args:
        status (NativeStatus | Unset): A run's status as the native dialect shows it. Internal
            states map as:
            delayed, queued, retrying -> queued; running, cancelling -> running;
            succeeded -> succeeded; failed, timed_out, crashed, system_failure ->
            failed; cancelled, expired -> cancelled.
        session_id (str | Unset):
        job (str | Unset):
        schedule (str | Unset):
        environment (str | Unset): An environment's name. Example: prod.
        tag (str | Unset):
        created_after (datetime.datetime | Unset):
        created_before (datetime.datetime | Unset):
        cursor (str | Unset):
        page (int | Unset):  Default: 1.
        page_size (int | Unset):  Default: 20.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[NativeError | NativeUnauthorizedError | RunList]
    """

    kwargs = _get_kwargs(
        status=status,
        session_id=session_id,
        job=job,
        schedule=schedule,
        environment=environment,
        tag=tag,
        created_after=created_after,
        created_before=created_before,
        cursor=cursor,
        page=page,
        page_size=page_size,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    status: NativeStatus | Unset = UNSET,
    session_id: str | Unset = UNSET,
    job: str | Unset = UNSET,
    schedule: str | Unset = UNSET,
    environment: str | Unset = UNSET,
    tag: str | Unset = UNSET,
    created_after: datetime.datetime | Unset = UNSET,
    created_before: datetime.datetime | Unset = UNSET,
    cursor: str | Unset = UNSET,
    page: int | Unset = 1,
    page_size: int | Unset = 20,
) -> NativeError | NativeUnauthorizedError | RunList | None:
    """List runs

     A page of runs, newest first (by creation time, then id), with the total
    number of runs matching the filters. Pages are numbered from 1; a page
    past the end is an empty `jobs` list with the true `total`.

    `status` selects every internal state shown under that native status
    (for example `queued` also selects delayed and retrying runs).

    An environment key lists its own environment's runs only, and `total`
    counts only those. An admin key (and, on an open server, a request
    without a key) lists every environment's runs, or one environment's
    with `environment`.

    Where runyard differs from PraisonAI's server: its items are whole
    status answers (with null-valued `agent_id`, `run_id`, `error`,
    `retry_after`, ...); runyard's follow the seed: its four fields, plus
    `progress` (which PraisonAI's client shows) and
    `started_at`/`completed_at` once they exist. Invalid parameters are
    400 problem documents (the seed's 400; FastAPI's validation answers
    422).

    runyard extensions (PraisonAI's server has no such parameters or
    fields), for a dashboard's runs table:

    * filters `tag`, `created_after` and `created_before` (inclusive
      bounds on the creation time); `total` counts the runs they select
      through an index (the tags' own index for `tag`, the creation-time
      indexes for the bounds), never by reading every run;
    * keyset pages: every answer's `next_cursor` (null when no run lies
      beyond the page) passed back as `cursor` answers the `page_size`
      runs that follow the previous page's last run in the list order.
      A cursor page is an index seek at any depth (a numbered page far
      down walks past every run before it), and runs submitted meanwhile
      do not shift it. `page` is 1 in a cursor's answer; `cursor` with a
      `page` past the first is a 400, as is a cursor not of the shape
      runyard makes (the pattern below; its contents may change, so pass
      it back untouched);
    * item fields `job`, `environment`, `tags`, `duration_seconds` and
      `attempt`.

    Args:
        status (NativeStatus | Unset): A run's status as the native dialect shows it. Internal
            states map as:
            delayed, queued, retrying -> queued; running, cancelling -> running;
            succeeded -> succeeded; failed, timed_out, crashed, system_failure ->
            failed; cancelled, expired -> cancelled.
        session_id (str | Unset):
        job (str | Unset):
        schedule (str | Unset):
        environment (str | Unset): An environment's name. Example: prod.
        tag (str | Unset):
        created_after (datetime.datetime | Unset):
        created_before (datetime.datetime | Unset):
        cursor (str | Unset):
        page (int | Unset):  Default: 1.
        page_size (int | Unset):  Default: 20.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        NativeError | NativeUnauthorizedError | RunList
    """

    return (
        await asyncio_detailed(
            client=client,
            status=status,
            session_id=session_id,
            job=job,
            schedule=schedule,
            environment=environment,
            tag=tag,
            created_after=created_after,
            created_before=created_before,
            cursor=cursor,
            page=page,
            page_size=page_size,
        )
    ).parsed
