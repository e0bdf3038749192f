from typing import Literal

WebhookDeliveryState = Literal["delivered", "failed", "pending"]

WEBHOOK_DELIVERY_STATE_VALUES: set[WebhookDeliveryState] = {
    "delivered",
    "failed",
    "pending",
}


def check_webhook_delivery_state(value: str) -> WebhookDeliveryState:
    if value in WEBHOOK_DELIVERY_STATE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {WEBHOOK_DELIVERY_STATE_VALUES!r}")
