"""Attachments: checked by their content, stored outside static/ under random names."""

import secrets
from dataclasses import dataclass
from pathlib import Path

import filetype
from flask import current_app
from flask_babel import lazy_gettext as _l
from werkzeug.utils import secure_filename

from circle.errors import ServiceError

#: Extension -> the content types a file with that extension may really have.
ALLOWED = {
    "pdf": {"application/pdf"},
    "doc": {"application/msword"},
    "xls": {"application/vnd.ms-excel", "application/msword"},
    "ppt": {"application/vnd.ms-powerpoint", "application/msword"},
    "docx": {"application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
    "xlsx": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    "pptx": {
        "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    },
    "odt": {"application/vnd.oasis.opendocument.text"},
    "ods": {"application/vnd.oasis.opendocument.spreadsheet"},
    "odp": {"application/vnd.oasis.opendocument.presentation"},
    "png": {"image/png"},
    "jpg": {"image/jpeg"},
    "jpeg": {"image/jpeg"},
    "gif": {"image/gif"},
    "webp": {"image/webp"},
}


@dataclass
class Upload:
    filename: str
    content: bytes


@dataclass
class CheckedFile:
    filename: str
    content_type: str
    content: bytes


def check_upload(upload: Upload) -> CheckedFile:
    """Refuse files that are too large, or whose content is not what the name says."""
    limit = current_app.config["MAX_ATTACHMENT_BYTES"]
    name = secure_filename(upload.filename or "")[:200] or "bestand"
    if len(upload.content) > limit:
        raise ServiceError(
            _l(
                "%(name)s is too large: files may be at most %(mb)s MB.",
                name=name,
                mb=limit // (1024 * 1024),
            ),
            "attachments",
        )
    if not upload.content:
        raise ServiceError(_l("%(name)s is empty.", name=name), "attachments")
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    kind = filetype.guess(upload.content)
    if extension not in ALLOWED or kind is None or kind.mime not in ALLOWED[extension]:
        raise ServiceError(
            _l(
                "%(name)s cannot be attached: only PDF, office documents and images "
                "(PNG, JPEG, GIF, WebP) are allowed.",
                name=name,
            ),
            "attachments",
        )
    return CheckedFile(name, kind.mime, upload.content)


def upload_folder() -> Path:
    folder = Path(
        current_app.config["UPLOAD_FOLDER"]
        or Path(current_app.instance_path) / "uploads"
    )
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def store(content: bytes) -> str:
    """Write the bytes under a new random key and return the key."""
    key = secrets.token_hex(20)
    path = upload_folder() / key[:2] / key
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(content)
    return key


def path_for(key: str) -> Path:
    return upload_folder() / key[:2] / key
