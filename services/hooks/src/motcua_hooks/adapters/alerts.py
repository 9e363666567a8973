"""Telling the deployment's administrators that a subscriber's deliveries were parked.

An alert is a record in ``alerts`` (listed at ``GET /v1/alerts``), an error log line
``hooks.subscriber_parked``, and — when ``HOOKS_ALERT_WEBHOOK_URL`` is set — a JSON POST
there (a mail or chat gateway that writes to ``HOOKS_ALERT_RECIPIENTS``). At most one per
subscriber per local day: later parkings of that day only count in ``suppressed``.
"""

from typing import Any

import httpx
import structlog

log = structlog.get_logger("motcua.hooks.alerts")


class AlertNotifier:
    def __init__(self, webhook_url: str, recipients: list[str]) -> None:
        self.webhook_url, self.recipients = webhook_url, recipients

    async def notify(self, alert: dict[str, Any]) -> None:
        log.error("hooks.subscriber_parked", subscriber=alert["subscriber"],
                  subscription_id=alert["subscription_id"], event_id=alert["event_id"],
                  status_code=alert["last_status_code"], error=alert["last_error"])
        if not self.webhook_url:
            return
        payload = {**{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in alert.items()},
                   "recipients": self.recipients}
        try:
            async with httpx.AsyncClient(timeout=10) as client:
                await client.post(self.webhook_url, json=payload)
        except httpx.HTTPError as error:  # the record and the log line stay; the gateway was down
            log.warning("hooks.alert_not_sent", error=repr(error))
