"""Contains all the data models used in inputs/outputs"""

from .api_key import ApiKey
from .api_key_list import ApiKeyList
from .create_api_key_request import CreateApiKeyRequest
from .create_schedule_request import CreateScheduleRequest
from .created_api_key import CreatedApiKey
from .health import Health
from .health_database import HealthDatabase
from .job import Job
from .job_env import JobEnv
from .job_list import JobList
from .job_spec import JobSpec
from .job_spec_env import JobSpecEnv
from .job_version import JobVersion
from .job_version_definition import JobVersionDefinition
from .job_version_definition_env import JobVersionDefinitionEnv
from .job_version_list import JobVersionList
from .native_error import NativeError
from .native_status import NativeStatus
from .native_unauthorized_error import NativeUnauthorizedError
from .problem import Problem
from .progress import Progress
from .retry_policy import RetryPolicy
from .run_details import RunDetails
from .run_details_metadata_type_0 import RunDetailsMetadataType0
from .run_list import RunList
from .run_list_item import RunListItem
from .run_logs import RunLogs
from .run_result import RunResult
from .run_state import RunState
from .run_status import RunStatus
from .schedule import Schedule
from .schedule_list import ScheduleList
from .schedule_overlap import ScheduleOverlap
from .submit_run_request import SubmitRunRequest
from .submit_run_request_config_type_0 import SubmitRunRequestConfigType0
from .submit_run_request_idempotency_scope_type_0 import SubmitRunRequestIdempotencyScopeType0
from .submit_run_request_recipe_config_type_0 import SubmitRunRequestRecipeConfigType0
from .submit_run_response import SubmitRunResponse
from .update_schedule_request import UpdateScheduleRequest
from .webhook_delivery import WebhookDelivery
from .webhook_delivery_state import WebhookDeliveryState

__all__ = (
    "ApiKey",
    "ApiKeyList",
    "CreateApiKeyRequest",
    "CreatedApiKey",
    "CreateScheduleRequest",
    "Health",
    "HealthDatabase",
    "Job",
    "JobEnv",
    "JobList",
    "JobSpec",
    "JobSpecEnv",
    "JobVersion",
    "JobVersionDefinition",
    "JobVersionDefinitionEnv",
    "JobVersionList",
    "NativeError",
    "NativeStatus",
    "NativeUnauthorizedError",
    "Problem",
    "Progress",
    "RetryPolicy",
    "RunDetails",
    "RunDetailsMetadataType0",
    "RunList",
    "RunListItem",
    "RunLogs",
    "RunResult",
    "RunState",
    "RunStatus",
    "Schedule",
    "ScheduleList",
    "ScheduleOverlap",
    "SubmitRunRequest",
    "SubmitRunRequestConfigType0",
    "SubmitRunRequestIdempotencyScopeType0",
    "SubmitRunRequestRecipeConfigType0",
    "SubmitRunResponse",
    "UpdateScheduleRequest",
    "WebhookDelivery",
    "WebhookDeliveryState",
)
