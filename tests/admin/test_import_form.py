"""Importing points balances on the Data page: upload, read the dry run (who would get how
many points, each refused line with its reason), confirm to apply exactly that, once; a
confirmation that is not the dry run's is refused, and another shop can use none of it."""

from __future__ import annotations

import base64
import html
import re
import zlib
from collections.abc import Callable

import pytest
import requests

from tests.admin.signed_in import csrf_of, field_error, sign_in
from tests.admin.test_imports import POINTS_CSV
from tests.conftest import new_id, sample
from tests.live_server import LiveServer

RIVAL = "rival-goods.myshopify.com"
Deliver = Callable[..., requests.Response]


@pytest.fixture
def members(deliver: Deliver) -> dict[str, int]:
    people = {"anna": new_id(), "bob": new_id()}
    for name, number in people.items():
        deliver(
            "customers/create",
            sample("customers/create", id=number, email=f"{name}@example.com", first_name=name),
        )
    return people


def upload(client: requests.Session, text: str) -> requests.Response:
    page = client.get("/admin/data")
    assert page.status_code == 200, page.text[:300]
    return client.post(
        "/admin/data/points-import",
        data={"csrf_token": csrf_of(page.text)},
        files={"file": ("points.csv", text.encode())},
    )


def confirm_form(report: str) -> dict[str, str]:
    fields = dict(re.findall(r'name="(csrf_token|payload|digest)" value="([^"]*)"', report))
    assert set(fields) == {"csrf_token", "payload", "digest"}, "no confirm form"
    return {name: html.unescape(value) for name, value in fields.items()}


def table(report: str, table_id: str) -> list[list[str]]:
    body = re.search(rf'<table id="{table_id}">.*?<tbody>(.*?)</tbody>', report, re.S)
    assert body, table_id
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body.group(1), re.S)
    ]


def balance(http: requests.Session, headers: dict[str, str], customer: int) -> int:
    body = http.get(f"/admin/api/customers/{customer}", headers=headers).json()
    points: int = body["points_balance"]
    return points


def test_the_dry_run_shows_the_changes_and_confirming_applies_them_once(
    shop: str,
    live: LiveServer,
    http: requests.Session,
    admin_headers: dict[str, str],
    members: dict[str, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client = sign_in(live, shop, monkeypatch)
    anna = members["anna"]

    report = upload(client, POINTS_CSV)

    assert report.status_code == 200, report.text[:500]
    assert "Dry run: nothing has been imported yet" in report.text
    assert "Importing would credit <strong>250 points</strong> to <strong>1 customers</strong>" in (
        report.text
    )
    assert table(report.text, "credits") == [
        ["2", "anna@example.com", str(anna), "+250", "100", "350"]
    ]
    assert table(report.text, "skipped") == [
        ["3", "bob@example.com", "the balance is 0"],
        ["4", "nobody@example.com", "no customer with this email"],
        ["5", "not-an-email", "email is not an email address"],
        ["6", "anna@example.com", "this email is on an earlier line"],
        ["7", "carl@example.com", "balance must be a whole number from 0 to 10000000"],
    ]
    assert balance(http, admin_headers, anna) == 100

    form = confirm_form(report.text)
    done = client.post("/admin/data/points-import/confirm", data=form)

    assert done.status_code == 200, done.text[:500]
    assert "Imported: 250 points credited to 1 customers." in done.text
    assert table(done.text, "credits") == [
        ["2", "anna@example.com", str(anna), "+250", "100", "350"]
    ]
    assert balance(http, admin_headers, anna) == 350
    assert balance(http, admin_headers, members["bob"]) == 100

    # Sent again (a double click, a reload), the plan no longer holds: nothing is credited.
    again = client.post("/admin/data/points-import/confirm", data=form)
    assert again.status_code == 409
    assert "nothing was imported" in again.text
    assert table(again.text, "skipped")[0] == [
        "2",
        "anna@example.com",
        "a balance was imported before",
    ]
    assert balance(http, admin_headers, anna) == 350
    ledger = http.get(f"/admin/api/customers/{anna}", headers=admin_headers).json()["ledger"]
    assert [row["reason"] for row in ledger].count("imported_balance") == 1


def test_a_confirmation_that_is_not_the_dry_runs_is_refused(
    shop: str,
    live: LiveServer,
    http: requests.Session,
    admin_headers: dict[str, str],
    members: dict[str, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client = sign_in(live, shop, monkeypatch)
    form = confirm_form(upload(client, POINTS_CSV).text)
    bigger = POINTS_CSV.replace("ANNA@example.com,250", "ANNA@example.com,99999")
    packed = base64.urlsafe_b64encode(zlib.compress(bigger.encode())).decode()

    for tampered in (
        {**form, "payload": packed},
        {**form, "digest": "0" * 64},
        {**form, "digest": ""},
        {**form, "payload": "not-a-file"},
    ):
        refused = client.post("/admin/data/points-import/confirm", data=tampered)
        assert refused.status_code == 409, tampered
    assert balance(http, admin_headers, members["anna"]) == 100

    tampered_report = client.post(
        "/admin/data/points-import/confirm", data={**form, "payload": packed}
    ).text
    assert "The file or your customers changed since the dry run" in tampered_report
    assert table(tampered_report, "credits")[0][3] == "+99999"  # the new dry run, to review
    garbage = client.post(
        "/admin/data/points-import/confirm", data={**form, "payload": "not-a-file"}
    ).text
    assert field_error(garbage, "file") == (
        "This confirmation does not come from a dry run, so nothing was imported. "
        "Upload the file again."
    )
    unsigned = client.post("/admin/data/points-import/confirm", data={**form, "csrf_token": ""})
    assert unsigned.status_code == 403
    assert balance(http, admin_headers, members["anna"]) == 100


def test_a_missing_or_unreadable_file_is_refused_beside_the_field(
    shop: str, live: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = sign_in(live, shop, monkeypatch)
    token = csrf_of(client.get("/admin/data").text)

    for files, message in (
        ({"file": ("", b"")}, "choose the CSV file to import"),
        ({"file": ("points.csv", b"mail,points\nx,1\n")}, "the CSV needs an email column"),
        ({"file": ("points.csv", "email,balance\nä,1\n".encode("latin-1"))}, (
            "the CSV must be UTF-8 text"
        )),
    ):  # fmt: skip
        refused = client.post("/admin/data/points-import", data={"csrf_token": token}, files=files)
        assert refused.status_code == 400
        assert field_error(refused.text, "file") == message


def test_another_shop_can_use_neither_the_dry_run_nor_the_customers(
    shop: str,
    live: LiveServer,
    http: requests.Session,
    admin_headers: dict[str, str],
    members: dict[str, int],
    install: Callable[[str], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    owner = sign_in(live, shop, monkeypatch)
    form = confirm_form(upload(owner, POINTS_CSV).text)
    install(RIVAL)
    rival = sign_in(live, RIVAL, monkeypatch)

    theirs = upload(rival, POINTS_CSV)
    assert table(theirs.text, "credits") == [["Nobody."]]
    assert table(theirs.text, "skipped")[0] == [
        "2",
        "anna@example.com",
        "no customer with this email",
    ]
    token = csrf_of(theirs.text)
    replayed = rival.post("/admin/data/points-import/confirm", data={**form, "csrf_token": token})

    assert replayed.status_code == 409
    assert balance(http, admin_headers, members["anna"]) == 100
