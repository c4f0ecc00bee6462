"""`python -m app`: serve | seed | account create --name NAME | export-schema."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys

from app.settings import Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app", description="Caregraph")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="serve GraphQL on HOST:PORT (demo data if empty)")
    seed = commands.add_parser("seed", help="load the demo data set (safe to run twice)")
    seed.add_argument("--caregivers", type=int, default=40, help="caregivers per account")
    seed.add_argument("--patients", type=int, default=120, help="patients per account")
    seed.add_argument("--accounts", type=int, default=2, help="number of demo accounts")
    seed.add_argument(
        "--examples",
        action="store_true",
        help="load only seed 001's example provider (the care-ticket API's documented data)",
    )
    account = commands.add_parser("account", help="manage accounts")
    account_commands = account.add_subparsers(dest="action", required=True)
    create = account_commands.add_parser("create", help="open an account with an admin API key")
    create.add_argument("--name", required=True, help="the agency's name")
    commands.add_parser("export-schema", help="print the GraphQL SDL (schema.graphql)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("pymongo").setLevel(logging.WARNING)

    if args.command == "export-schema":
        from app.graphql.schema import schema_sdl

        sys.stdout.write(schema_sdl())
        return 0
    settings = Settings()
    if args.command == "serve":
        from app.server import serve

        return serve(settings)
    if args.command == "seed" and args.examples:
        from app.tickets.examples import seed_examples_command

        return asyncio.run(seed_examples_command(settings))
    if args.command == "seed":
        from app.seed import seed_command

        return asyncio.run(seed_command(settings, args.accounts, args.caregivers, args.patients))
    return asyncio.run(_create_account(settings, args.name))


async def _create_account(settings: Settings, name: str) -> int:
    from app.accounts.services import create_account, create_api_client
    from app.db import open_database
    from app.graphql.relay import to_global_id

    async with open_database(settings) as database:
        account = await create_account(database, name)
        key, secret = await create_api_client(database, account["_id"], "Administrator")
    print(
        json.dumps(
            {
                "account": to_global_id("Account", account["_id"]),
                "api_key": key,
                "api_secret": secret,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
