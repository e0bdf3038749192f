from typing import Literal

HealthDatabase = Literal["postgresql", "sqlite"]

HEALTH_DATABASE_VALUES: set[HealthDatabase] = {
    "postgresql",
    "sqlite",
}


def check_health_database(value: str) -> HealthDatabase:
    if value in HEALTH_DATABASE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {HEALTH_DATABASE_VALUES!r}")
