"""What the OSS connector refuses, each with its HTTP status and stable code (``api.lib.errors``)."""

from __future__ import annotations

from api.lib.errors import DomainError, FieldError, NotFoundError

# Seconds a caller is told to wait when OSS is down (an officer's inquiry is worth trying again soon).
RETRY_AFTER_SECONDS = 60


class OssUnavailableError(DomainError):
    """503: OSS did not answer usably (down, slow, or refusing our key); nothing of ours is wrong."""

    status = 503
    code = "oss_unavailable"
    detail = "OSS is not answering right now. Try again in a minute."

    def __init__(self) -> None:
        super().__init__(headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


class OssOffError(DomainError):
    """503: this deployment has no OSS connection configured (``MPP_OSS_URL``)."""

    status = 503
    code = "oss_not_configured"
    detail = "This deployment is not connected to OSS."


class MalformedNibError(DomainError):
    status = 422
    code = "invalid_nib"

    def __init__(self) -> None:
        message = "must be 13 digits"
        super().__init__(f"nib: {message}", errors=[FieldError(field="nib", message=message)])


class NibNotFoundError(NotFoundError):
    """404: OSS knows no such NIB."""

    def __init__(self) -> None:
        super().__init__("NIB")


class LicenceNotFoundError(NotFoundError):
    """404: no business licence of ours has this ``id_izin``."""

    def __init__(self) -> None:
        super().__init__("licence")


class InvalidLicenceStatusError(DomainError):
    status = 422
    code = "invalid_licence_status"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}", errors=[FieldError(field=field, message=message)])


class BadOssKeyError(DomainError):
    """401: the push did not carry the ``user_key`` OSS was given (one answer for missing and wrong)."""

    status = 401
    code = "unauthorised"
    detail = "A valid user_key header is required."
