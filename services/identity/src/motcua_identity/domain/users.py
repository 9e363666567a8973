"""Accounts of the people who sign in: officers, leaders, district staff, administrators.

Citizens have no account. Roles and communes are what tokens carry (motcua_runtime.auth).
"""

import re
from dataclasses import dataclass, field

from motcua_runtime.auth import ALL_COMMUNES, Role

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
COMMUNE_CODE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
MIN_PASSWORD_LENGTH = 8

ROLE_VI = {
    Role.COUNTER_OFFICER: "Công chức Bộ phận Một cửa",
    Role.COMMUNE_LEADER: "Lãnh đạo UBND xã/phường",
    Role.DISTRICT_OVERSEER: "Cán bộ giám sát của huyện",
    Role.ADMINISTRATOR: "Quản trị hệ thống",
    Role.SURVEY_TEAM_MEMBER: "Thành viên tổ khảo sát",
}


class InvalidUser(ValueError):
    code = "invalid_user"

    def __init__(self, message_vi: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_vi, self.message_en = message_vi, message_en


@dataclass
class User:
    username: str
    display_name: str
    password_hash: str
    roles: tuple[str, ...]
    #: Commune codes, or ("*",) for every commune of the deployment.
    communes: tuple[str, ...] = ()
    district: str | None = None
    active: bool = True
    extra: dict = field(default_factory=dict)


def normalise_username(username: str) -> str:
    return username.strip().lower()


def check_account(username: str, roles: list[str] | tuple[str, ...], communes: list[str] | tuple[str, ...]) -> None:
    if not USERNAME.match(username):
        raise InvalidUser("Tên đăng nhập chỉ gồm chữ thường không dấu, số, dấu chấm, gạch (2–64 ký tự).",
                          "A username is 2-64 lowercase letters, digits, dots, dashes or underscores.")
    # ``service`` is for system accounts (client credentials), never a person's account.
    unknown = [r for r in roles if r not in set(Role) or r == Role.SERVICE]
    if not roles or unknown:
        raise InvalidUser(f"Vai trò không hợp lệ: {', '.join(unknown) or '(không có)'}.",
                          f"Unknown or missing roles: {', '.join(unknown) or '(none)'}.")
    bad = [c for c in communes if c != ALL_COMMUNES and not COMMUNE_CODE.match(c)]
    if bad:
        raise InvalidUser(f"Mã xã/phường không hợp lệ: {', '.join(bad)}.", f"Invalid commune codes: {', '.join(bad)}.")
    works_in_communes = {Role.COUNTER_OFFICER, Role.COMMUNE_LEADER, Role.SURVEY_TEAM_MEMBER}
    if any(r in works_in_communes for r in roles) and not communes:
        raise InvalidUser("Công chức, lãnh đạo xã và tổ khảo sát phải gắn với ít nhất một xã/phường.",
                          "Officers, commune leaders and survey team members need at least one commune.")


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidUser(f"Mật khẩu cần ít nhất {MIN_PASSWORD_LENGTH} ký tự.",
                          f"A password needs at least {MIN_PASSWORD_LENGTH} characters.")


@dataclass(frozen=True)
class DemoAccount:
    username: str
    display_name: str
    roles: tuple[str, ...]
    communes: tuple[str, ...]


def demo_accounts(communes: list[str]) -> list[DemoAccount]:
    """One account per role: an officer, a leader and a survey team member per commune, one
    district overseer, one administrator."""
    accounts = [
        DemoAccount("quantri", "Quản trị hệ thống (demo)", (Role.ADMINISTRATOR,), (ALL_COMMUNES,)),
        DemoAccount("giamsat", "Cán bộ giám sát huyện (demo)", (Role.DISTRICT_OVERSEER,), (ALL_COMMUNES,)),
    ]
    for code in communes:
        accounts += [
            DemoAccount(f"canbo.{code}", f"Công chức một cửa {code} (demo)", (Role.COUNTER_OFFICER,), (code,)),
            DemoAccount(f"lanhdao.{code}", f"Lãnh đạo UBND {code} (demo)", (Role.COMMUNE_LEADER,), (code,)),
            DemoAccount(f"khaosat.{code}", f"Tổ khảo sát {code} (demo)", (Role.SURVEY_TEAM_MEMBER,), (code,)),
        ]
    return accounts
