"""HTTP delivery of one message to a subscriber's callback URL."""

from dataclasses import dataclass

import httpx


@dataclass(frozen=True)
class SendResult:
    status_code: int | None
    error: str | None


class HttpSender:
    def __init__(self, timeout_seconds: float) -> None:
        # Redirects are not followed: a callback URL that moved must be changed by an administrator.
        self._client = httpx.AsyncClient(timeout=timeout_seconds, follow_redirects=False,
                                         headers={"User-Agent": "motcua-hooks/0.1"})

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> SendResult:
        try:
            response = await self._client.post(url, content=body, headers=headers)
        except httpx.TimeoutException:
            return SendResult(None, "timeout")
        except httpx.HTTPError as error:
            return SendResult(None, f"{type(error).__name__}: {error}"[:300])
        return SendResult(response.status_code, None if response.is_success else response.text[:300])

    async def close(self) -> None:
        await self._client.aclose()
