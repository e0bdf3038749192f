from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.submit_run_request_idempotency_scope_type_0 import (
    SubmitRunRequestIdempotencyScopeType0,
    check_submit_run_request_idempotency_scope_type_0,
)
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.submit_run_request_config_type_0 import SubmitRunRequestConfigType0
    from ..models.submit_run_request_recipe_config_type_0 import SubmitRunRequestRecipeConfigType0


T = TypeVar("T", bound="SubmitRunRequest")


@_attrs_define
class SubmitRunRequest:
    """A run to accept: PraisonAI's submit request as it is (`prompt` and the
    agent options), or runyard's own (`job` and `input`), or both. A
    prompt without `job` runs the server's prompt job (`--prompt-job`,
    default the built-in `praisonai`), whose input carries every field
    submitted. One of `prompt` and `job` is required.

        Attributes:
            prompt (str | Unset): The prompt or task for the agent (PraisonAI's request; required unless `job` is given).
            agent_file (None | str | Unset): Path to an agents.yaml file, relative to the prompt job's folder
                on the worker's machine (handed to the prompt job). An absolute
                path or one with `..` is refused (400), as PraisonAI's server
                refuses files outside its agent folder.
            agent_yaml (None | str | Unset): Inline agent YAML configuration (handed to the prompt job).
            recipe_name (None | str | Unset): A recipe to execute (handed to the prompt job).
            recipe_config (None | SubmitRunRequestRecipeConfigType0 | Unset): Recipe configuration overrides (handed to the
                prompt job).
            framework (None | str | Unset): The agent framework (praisonai, crewai, autogen, ...; handed to the prompt job).
            config (None | SubmitRunRequestConfigType0 | Unset): Additional configuration (handed to the prompt job).
            webhook_url (None | str | Unset): An http(s) URL that gets a signed POST of the run's final state
                when it finishes: succeeded, failed, timed out or cancelled
                (PraisonAI's server calls it on success only; a finished run is
                what a webhook is for, however it finished). See the
                introduction's "Webhooks".
            timeout (int | None | Unset): Seconds this run may execute before it is stopped and timed out (default the job's
                setting; PraisonAI's 3600 for the prompt job).
            idempotency_scope (None | SubmitRunRequestIdempotencyScopeType0 | Unset): Where `idempotency_key` is unique.
                `global` and `none` (the
                default, as PraisonAI's server treats every key): in the caller's
                environment. `session`: within the run's `session_id` (a
                different session may reuse the key).
            job (str | Unset): A job's name.
            input_ (Any | Unset): Any JSON value, handed to the job on stdin.
            session_id (None | str | Unset): Groups runs; list them with `session_id`.
            tags (list[str] | Unset): Labels for finding runs (at most 10, 1-128 characters each).
            idempotency_key (None | str | Unset):
            delay (int | Unset): Seconds to wait before the run becomes ready.
            ttl (int | Unset): Seconds after it becomes ready within which the run must start, else it expires.
            max_attempts (int | Unset): How many times the run may be attempted (default the job's setting).
    """

    prompt: str | Unset = UNSET
    agent_file: None | str | Unset = UNSET
    agent_yaml: None | str | Unset = UNSET
    recipe_name: None | str | Unset = UNSET
    recipe_config: None | SubmitRunRequestRecipeConfigType0 | Unset = UNSET
    framework: None | str | Unset = UNSET
    config: None | SubmitRunRequestConfigType0 | Unset = UNSET
    webhook_url: None | str | Unset = UNSET
    timeout: int | None | Unset = UNSET
    idempotency_scope: None | SubmitRunRequestIdempotencyScopeType0 | Unset = UNSET
    job: str | Unset = UNSET
    input_: Any | Unset = UNSET
    session_id: None | str | Unset = UNSET
    tags: list[str] | Unset = UNSET
    idempotency_key: None | str | Unset = UNSET
    delay: int | Unset = UNSET
    ttl: int | Unset = UNSET
    max_attempts: int | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.submit_run_request_config_type_0 import SubmitRunRequestConfigType0  # noqa: PLC0415
        from ..models.submit_run_request_recipe_config_type_0 import SubmitRunRequestRecipeConfigType0  # noqa: PLC0415

        prompt = self.prompt

        agent_file: None | str | Unset
        if isinstance(self.agent_file, Unset):
            agent_file = UNSET
        else:
            agent_file = self.agent_file

        agent_yaml: None | str | Unset
        if isinstance(self.agent_yaml, Unset):
            agent_yaml = UNSET
        else:
            agent_yaml = self.agent_yaml

        recipe_name: None | str | Unset
        if isinstance(self.recipe_name, Unset):
            recipe_name = UNSET
        else:
            recipe_name = self.recipe_name

        recipe_config: dict[str, Any] | None | Unset
        if isinstance(self.recipe_config, Unset):
            recipe_config = UNSET
        elif isinstance(self.recipe_config, SubmitRunRequestRecipeConfigType0):
            recipe_config = self.recipe_config.to_dict()
        else:
            recipe_config = self.recipe_config

        framework: None | str | Unset
        if isinstance(self.framework, Unset):
            framework = UNSET
        else:
            framework = self.framework

        config: dict[str, Any] | None | Unset
        if isinstance(self.config, Unset):
            config = UNSET
        elif isinstance(self.config, SubmitRunRequestConfigType0):
            config = self.config.to_dict()
        else:
            config = self.config

        webhook_url: None | str | Unset
        if isinstance(self.webhook_url, Unset):
            webhook_url = UNSET
        else:
            webhook_url = self.webhook_url

        timeout: int | None | Unset
        if isinstance(self.timeout, Unset):
            timeout = UNSET
        else:
            timeout = self.timeout

        idempotency_scope: None | str | Unset
        if isinstance(self.idempotency_scope, Unset):
            idempotency_scope = UNSET
        elif isinstance(self.idempotency_scope, str):
            idempotency_scope = self.idempotency_scope
        else:
            idempotency_scope = self.idempotency_scope

        job = self.job

        input_ = self.input_

        session_id: None | str | Unset
        if isinstance(self.session_id, Unset):
            session_id = UNSET
        else:
            session_id = self.session_id

        tags: list[str] | Unset = UNSET
        if not isinstance(self.tags, Unset):
            tags = self.tags

        idempotency_key: None | str | Unset
        if isinstance(self.idempotency_key, Unset):
            idempotency_key = UNSET
        else:
            idempotency_key = self.idempotency_key

        delay = self.delay

        ttl = self.ttl

        max_attempts = self.max_attempts

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if prompt is not UNSET:
            field_dict["prompt"] = prompt
        if agent_file is not UNSET:
            field_dict["agent_file"] = agent_file
        if agent_yaml is not UNSET:
            field_dict["agent_yaml"] = agent_yaml
        if recipe_name is not UNSET:
            field_dict["recipe_name"] = recipe_name
        if recipe_config is not UNSET:
            field_dict["recipe_config"] = recipe_config
        if framework is not UNSET:
            field_dict["framework"] = framework
        if config is not UNSET:
            field_dict["config"] = config
        if webhook_url is not UNSET:
            field_dict["webhook_url"] = webhook_url
        if timeout is not UNSET:
            field_dict["timeout"] = timeout
        if idempotency_scope is not UNSET:
            field_dict["idempotency_scope"] = idempotency_scope
        if job is not UNSET:
            field_dict["job"] = job
        if input_ is not UNSET:
            field_dict["input"] = input_
        if session_id is not UNSET:
            field_dict["session_id"] = session_id
        if tags is not UNSET:
            field_dict["tags"] = tags
        if idempotency_key is not UNSET:
            field_dict["idempotency_key"] = idempotency_key
        if delay is not UNSET:
            field_dict["delay"] = delay
        if ttl is not UNSET:
            field_dict["ttl"] = ttl
        if max_attempts is not UNSET:
            field_dict["max_attempts"] = max_attempts

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.submit_run_request_config_type_0 import SubmitRunRequestConfigType0  # noqa: PLC0415
        from ..models.submit_run_request_recipe_config_type_0 import SubmitRunRequestRecipeConfigType0  # noqa: PLC0415

        d = dict(src_dict)
        prompt = d.pop("prompt", UNSET)

        def _parse_agent_file(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        agent_file = _parse_agent_file(d.pop("agent_file", UNSET))

        def _parse_agent_yaml(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        agent_yaml = _parse_agent_yaml(d.pop("agent_yaml", UNSET))

        def _parse_recipe_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        recipe_name = _parse_recipe_name(d.pop("recipe_name", UNSET))

        def _parse_recipe_config(data: object) -> None | SubmitRunRequestRecipeConfigType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                recipe_config_type_0 = SubmitRunRequestRecipeConfigType0.from_dict(data)

                return recipe_config_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | SubmitRunRequestRecipeConfigType0 | Unset, data)

        recipe_config = _parse_recipe_config(d.pop("recipe_config", UNSET))

        def _parse_framework(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        framework = _parse_framework(d.pop("framework", UNSET))

        def _parse_config(data: object) -> None | SubmitRunRequestConfigType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                config_type_0 = SubmitRunRequestConfigType0.from_dict(data)

                return config_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | SubmitRunRequestConfigType0 | Unset, data)

        config = _parse_config(d.pop("config", UNSET))

        def _parse_webhook_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        webhook_url = _parse_webhook_url(d.pop("webhook_url", UNSET))

        def _parse_timeout(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        timeout = _parse_timeout(d.pop("timeout", UNSET))

        def _parse_idempotency_scope(data: object) -> None | SubmitRunRequestIdempotencyScopeType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                idempotency_scope_type_0 = check_submit_run_request_idempotency_scope_type_0(data)

                return idempotency_scope_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | SubmitRunRequestIdempotencyScopeType0 | Unset, data)

        idempotency_scope = _parse_idempotency_scope(d.pop("idempotency_scope", UNSET))

        job = d.pop("job", UNSET)

        input_ = d.pop("input", UNSET)

        def _parse_session_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        session_id = _parse_session_id(d.pop("session_id", UNSET))

        tags = cast(list[str], d.pop("tags", UNSET))

        def _parse_idempotency_key(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        idempotency_key = _parse_idempotency_key(d.pop("idempotency_key", UNSET))

        delay = d.pop("delay", UNSET)

        ttl = d.pop("ttl", UNSET)

        max_attempts = d.pop("max_attempts", UNSET)

        submit_run_request = cls(
            prompt=prompt,
            agent_file=agent_file,
            agent_yaml=agent_yaml,
            recipe_name=recipe_name,
            recipe_config=recipe_config,
            framework=framework,
            config=config,
            webhook_url=webhook_url,
            timeout=timeout,
            idempotency_scope=idempotency_scope,
            job=job,
            input_=input_,
            session_id=session_id,
            tags=tags,
            idempotency_key=idempotency_key,
            delay=delay,
            ttl=ttl,
            max_attempts=max_attempts,
        )

        return submit_run_request
