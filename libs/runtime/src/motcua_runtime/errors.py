"""Errors users read: Vietnamese first, English on request (Accept-Language: en).

Domain code raises its own exceptions; entrypoints translate them into
:class:`UserFacingError`, which becomes an HTTP 4xx with a stable ``code``.
"""

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException


class UserFacingError(Exception):
    def __init__(self, status: int, code: str, message_vi: str, message_en: str) -> None:
        super().__init__(message_en)
        self.status, self.code, self.message_vi, self.message_en = status, code, message_vi, message_en


#: pydantic error types in Vietnamese (the English text stays in message_en).
_PROBLEM_VI = {
    "missing": "bắt buộc phải có",
    "string_pattern_mismatch": "sai định dạng",
    "string_too_short": "quá ngắn hoặc để trống",
    "string_too_long": "quá dài",
    "too_short": "cần ít nhất một mục",
    "too_long": "quá nhiều mục",
    "greater_than_equal": "giá trị quá nhỏ",
    "less_than_equal": "giá trị quá lớn",
    "greater_than": "giá trị quá nhỏ",
    "less_than": "giá trị quá lớn",
    "enum": "không thuộc các giá trị cho phép",
    "literal_error": "không thuộc các giá trị cho phép",
    "int_parsing": "phải là số nguyên",
    "int_type": "phải là số nguyên",
    "float_parsing": "phải là số",
    "bool_parsing": "phải là đúng/sai",
    "date_from_datetime_parsing": "phải là ngày dạng YYYY-MM-DD",
    "date_parsing": "phải là ngày dạng YYYY-MM-DD",
    "datetime_parsing": "phải là thời điểm hợp lệ",
    "time_parsing": "phải là giờ dạng HH:MM",
    "uuid_parsing": "phải là mã định danh hợp lệ",
    "json_invalid": "nội dung JSON không hợp lệ",
    "model_attributes_type": "phải là một đối tượng",
    "dict_type": "phải là một đối tượng",
    "list_type": "phải là một danh sách",
    "string_type": "phải là chuỗi ký tự",
}


def _wants_english(request: Request) -> bool:
    return request.headers.get("accept-language", "").lower().startswith("en")


#: What the framework itself refuses (no route, wrong method, a body it cannot parse), in words.
_FRAMEWORK_VI_EN = {
    400: ("Nội dung gửi lên không đọc được (JSON sai cấu trúc hoặc lồng quá sâu).",
          "The request body could not be read (malformed or too deeply nested JSON)."),
    404: ("Không có địa chỉ này.", "No such address."),
    405: ("Địa chỉ này không nhận phương thức đã dùng.", "This address does not accept that method."),
}


def _unstorable(request: Request, code: str, vi: str, en: str) -> JSONResponse:
    """A 422 for input that passed validation but cannot be stored as given."""
    return JSONResponse({"error": {"code": code, "message": en if _wants_english(request) else vi,
                                   "message_vi": vi, "message_en": en}}, status_code=422)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(UserFacingError)
    async def user_facing(request: Request, error: UserFacingError) -> JSONResponse:
        message = error.message_en if _wants_english(request) else error.message_vi
        return JSONResponse(
            {"error": {"code": error.code, "message": message, "message_vi": error.message_vi,
                       "message_en": error.message_en}},
            status_code=error.status,
        )

    @app.exception_handler(StarletteHTTPException)
    async def framework_refusal(request: Request, error: StarletteHTTPException) -> JSONResponse:
        # The framework's own refusals answer in the same shape and languages as ours.
        vi, en = _FRAMEWORK_VI_EN.get(error.status_code, (str(error.detail), str(error.detail)))
        return JSONResponse(
            {"error": {"code": f"http_{error.status_code}", "message": en if _wants_english(request) else vi,
                       "message_vi": vi, "message_en": en}},
            status_code=error.status_code, headers=getattr(error, "headers", None))

    @app.exception_handler(UnicodeEncodeError)
    async def unencodable_text(request: Request, error: UnicodeEncodeError) -> JSONResponse:
        # JSON may carry lone surrogates ("\udbdd") that no database or message can store: the
        # write failed before anything was committed; the sender gets a 422, not a 500.
        return _unstorable(request, "invalid_text",
                           "Dữ liệu gửi lên chứa ký tự không hợp lệ (không phải văn bản Unicode hợp lệ).",
                           "The request contains characters that are not valid Unicode text.")

    @app.exception_handler(OverflowError)
    async def number_too_large(request: Request, error: OverflowError) -> JSONResponse:
        # A whole number beyond 8 bytes passed validation where a field has no upper bound; the
        # database refuses it before anything is written: a 422 with the reason, not a 500.
        return _unstorable(request, "number_too_large", "Dữ liệu gửi lên chứa số quá lớn để lưu trữ.",
                           "The request contains a number too large to store.")

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        problems = [
            {"field": ".".join(str(p) for p in e["loc"] if p != "body"), "problem": e["msg"],
             "problem_vi": _PROBLEM_VI.get(e["type"], "không hợp lệ"), "type": e["type"]}
            for e in error.errors()
        ]
        vi = "Dữ liệu gửi lên không hợp lệ: " + "; ".join(f"{p['field']}: {p['problem_vi']}" for p in problems)
        en = "The request is not valid: " + "; ".join(f"{p['field']}: {p['problem']}" for p in problems)
        return JSONResponse(
            {"error": {"code": "invalid_request", "message": en if _wants_english(request) else vi,
                       "message_vi": vi, "message_en": en, "problems": problems}},
            status_code=422,
        )
