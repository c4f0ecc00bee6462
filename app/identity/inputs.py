"""The arguments of the sign-in mutations, described once."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from app.graphql.inputs import decode_global_id

Email = Annotated[
    str, strawberry.argument(description="The email, in any case (it is compared in lower case).")
]
Password = Annotated[
    str,
    strawberry.argument(
        description="The password: 12 to 256 characters, not common or easy to guess; any "
        "characters, no other rules."
    ),
]
Otp = Annotated[
    str | None,
    strawberry.argument(
        description="The 6-digit code of the person's authenticator app, when they use "
        "two-factor sign-in or their role requires it."
    ),
]
UserId = Annotated[strawberry.ID, strawberry.argument(description="The user's global ID.")]
LinkToken = Annotated[
    str,
    strawberry.argument(description="The token of an invitation or password-reset link."),
]
Code = Annotated[str, strawberry.argument(description="The current code shown by the app.")]
CurrentCode = Annotated[
    str | None,
    strawberry.argument(
        description="To replace an app already set up: a current code from that app."
    ),
]
ResetTwoFactor = Annotated[
    bool,
    strawberry.argument(
        description="Also turn two-factor sign-in off when the link is used (a lost phone)."
    ),
]
CurrentPassword = Annotated[str, strawberry.argument(description="Your current password.")]
NewPassword = Annotated[
    str,
    strawberry.argument(
        description="The new password: 12 to 256 characters, not common or easy to guess."
    ),
]


def user_key(global_id: str) -> Any:
    """The stored id of a User global ID, or an INVALID user error on `user`."""
    return decode_global_id(global_id, "User", "user")
