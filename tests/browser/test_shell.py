"""The app's shell in a real browser: signing in and out, each role's navigation, changing the
password, errors in the API's words, accessibility, screenshots."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from app.identity.services import WRONG
from tests.browser.helpers import (
    assert_accessible,
    graphql_requests,
    screenshots,
    sign_in,
    sign_out,
)
from tests.browser.server import WebServer

NAVIGATION = {
    "administrator": ["Schedule", "Patients", "Billing", "Payroll"],
    "scheduler": ["Schedule", "Patients"],
    "billing": ["Patients", "Billing"],
    "payroll": ["Patients", "Payroll"],
    "caregiver": ["My day"],
    "auditor": ["Schedule", "Patients", "Billing", "Payroll"],
}


def navigation(page: Any) -> list[str]:
    return [
        text.strip()
        for text in page.get_by_role("navigation").get_by_role("link").all_inner_texts()
    ]


@pytest.mark.parametrize("role", list(NAVIGATION))
def test_each_role_sees_only_the_screens_it_may_use(
    page_as: Callable[..., Any], web_server: WebServer, role: str
) -> None:
    # given the demo person of the role, signed in through the sign-in page
    page = page_as(role)

    # when the page is loaded again (the session goes on through its cookie)
    with graphql_requests(page) as requests:
        page.reload()
        page.get_by_test_id("user-menu").wait_for()
        page.wait_for_load_state("networkidle")

    # then the navigation lists the role's screens, after one query for the whole shell (and
    # at most one for the screen the role lands on, once it is built)
    assert navigation(page) == NAVIGATION[role]
    names = [r.name for r in requests]
    assert names[0] == "LayoutQuery" and len(names) <= 2, names
    assert all(name.endswith("ScreenQuery") for name in names[1:]), names
    viewer = web_server.graphql("{ viewer { user { fullName } } }", role=role)
    assert (
        viewer["data"]["viewer"]["user"]["fullName"]
        in page.get_by_test_id("user-menu").inner_text()
    )


def test_a_caregiver_is_refused_the_billing_screen(page_as: Callable[..., Any]) -> None:
    # given a caregiver signed in, on their day
    page = page_as("caregiver")
    assert page.url.endswith("/day")

    # when they open the billing screen's address
    page.goto("/billing")

    # then it is not shown to them, and billing is nowhere in their navigation
    page.get_by_role("heading", name="Not for your role").wait_for()
    assert "Billing" not in navigation(page)


def test_a_wrong_password_shows_the_apis_words(
    new_page: Callable[..., Any], web_server: WebServer
) -> None:
    # given the sign-in page
    page = new_page()
    page.goto("/board")

    # when a scheduler signs in with a wrong password
    page.get_by_label("Email").fill(web_server.emails["scheduler"])
    page.get_by_role("textbox", name="Password").fill("not the password at all")
    page.get_by_role("button", name="Sign in").click()

    # then the page says what the API said, and nobody is signed in
    assert page.get_by_test_id("sign-in-error").inner_text() == WRONG
    assert page.get_by_test_id("user-menu").count() == 0


def test_signing_out_ends_the_session(page_as: Callable[..., Any]) -> None:
    # given a billing clerk signed in
    page = page_as("billing")

    # when they sign out
    sign_out(page)

    # then the sign-in page shows, also after a reload, and the session's cookie is spent
    page.reload()
    page.get_by_role("button", name="Sign in").wait_for()
    assert page.get_by_test_id("user-menu").count() == 0
    assert page.request.post("/auth/refresh").status == 204  # no session to refresh


def test_changing_the_password(page_as: Callable[..., Any], web_server: WebServer) -> None:
    # given the auditor signed in, on the change-password page from the account menu
    page = page_as("auditor")
    page.get_by_test_id("user-menu").click()
    page.get_by_role("menuitem", name="Change password").click()
    old, new = web_server.passwords["auditor"], "heron quietly folds the map"

    # when they give a wrong current password, then the right one
    page.get_by_label("Current password").fill("not my password at all")
    page.get_by_label("New password").fill(new)
    page.get_by_role("button", name="Change password").click()
    refused = page.get_by_test_id("password-error").inner_text()
    page.get_by_label("Current password").fill(old)
    page.get_by_label("New password").fill(new)
    page.get_by_role("button", name="Change password").click()

    # then the first is refused in the API's words, the second changes it: the new password
    # signs in, the old one no longer does
    assert "password" in refused.lower()
    page.get_by_test_id("password-changed").wait_for()
    web_server.password_changed("auditor", new)
    signed_in = web_server.graphql(
        "mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) "
        "{ accessToken userErrors { message } } }",
        {"e": web_server.emails["auditor"], "p": old},
    )
    assert signed_in["data"]["signIn"]["userErrors"] == [{"message": WRONG}]
    assert web_server.token("auditor")


def test_an_api_error_is_shown_in_its_words_never_a_blank_page(
    new_page: Callable[..., Any], web_server: WebServer
) -> None:
    # given a scheduler signed in, and an API that then answers every query with an error
    page = new_page()

    sign_in(
        page, web_server.base_url, web_server.emails["scheduler"], web_server.passwords["scheduler"]
    )
    message = "The database is unavailable; try again shortly."
    page.route(
        "**/graphql",
        lambda route: route.fulfill(
            status=503,
            json={"errors": [{"message": message, "extensions": {"code": "DATABASE_UNAVAILABLE"}}]},
        ),
    )

    # when the page loads again
    page.reload()

    # then it shows the API's words where the page would be
    assert message in page.get_by_test_id("error-boundary").inner_text()


def test_client_routes_load_the_app(new_page: Callable[..., Any]) -> None:
    # given nobody signed in
    page = new_page()

    # when a client route of the app is opened directly
    response = page.goto("/patients/UGF0aWVudDox")

    # then the server answered the app's page, which asks to sign in
    assert response is not None and response.status == 200
    page.get_by_role("button", name="Sign in").wait_for()


def test_the_sign_in_page_and_the_shell_are_accessible(
    new_page: Callable[..., Any], page_as: Callable[..., Any]
) -> None:
    # given the sign-in page, and the shell of an administrator
    sign_in_page = new_page()
    sign_in_page.goto("/")
    sign_in_page.get_by_role("button", name="Sign in").wait_for()
    shell = page_as("administrator")
    shell.get_by_role("navigation").wait_for()

    # then axe-core finds no serious or critical WCAG 2.1 AA violation on either, and they
    # are saved at desktop and phone widths
    assert_accessible(sign_in_page)
    assert_accessible(shell)
    screenshots(sign_in_page, "sign-in")
    screenshots(shell, "shell")
