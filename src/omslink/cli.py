"""The `omslink` command (CONTRACT §1): it parses arguments and calls one service each."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omslink.settings")
    import django

    django.setup()


def _migrate(args: argparse.Namespace) -> int:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=1 if args.verbose else 0)
    print("database is up to date")
    return 0


def _serve(args: argparse.Namespace) -> int:
    from omslink.web_server import serve

    serve(host=args.host, port=args.port, workers=args.workers, threads=args.threads)
    return 0


def _up(args: argparse.Namespace) -> int:
    from omslink.supervisor import run_up

    return run_up(host=args.host, port=args.port)


def _relay(args: argparse.Namespace) -> int:
    from omslink.webhooks.relay import RelayOptions, relay_main
    from omslink.webhooks.relay_lock import RelayAlreadyRunning

    try:
        return relay_main(RelayOptions(concurrency=args.concurrency))
    except RelayAlreadyRunning as exc:
        print(f"omslink: {exc}", file=sys.stderr)
        return 1


def _simulator(args: argparse.Namespace) -> int:
    from pathlib import Path

    from omslink.oms_simulator.config import SimulatorConfig
    from omslink.oms_simulator.server import serve as serve_simulator

    serve_simulator(SimulatorConfig.load(Path(args.config)), host=args.host)
    return 0


def _user_create(args: argparse.Namespace) -> int:
    from omslink.accounts.services import user_create

    user = user_create(username=args.username, password=args.password, role=args.role)
    print(f"created user {user.username} with role {args.role}")
    return 0


def _token_create(args: argparse.Namespace) -> int:
    from omslink.accounts.selectors import user_by_username
    from omslink.accounts.services import token_create

    token = token_create(user=user_by_username(args.username, active_only=True))
    print(f"new personal token for {args.username} (shown once, store it safely):")
    print(token)
    return 0


def _token_revoke(args: argparse.Namespace) -> int:
    from omslink.accounts.selectors import user_by_username
    from omslink.accounts.services import tokens_revoke

    revoked = tokens_revoke(user=user_by_username(args.username))
    print(f"revoked {revoked} personal token{'' if revoked == 1 else 's'} of {args.username}")
    return 0


def _secrets_rotate(args: argparse.Namespace) -> int:
    from omslink.connected_apps.services import oms_app_secrets_reencrypt

    count = oms_app_secrets_reencrypt()
    print(
        f"re-encrypted the secrets of {count} OMS app{'' if count == 1 else 's'} "
        "with the first of OMSLINK_SECRET_KEYS"
    )
    return 0


def _stock_check(args: argparse.Namespace) -> int:
    from omslink.inventory.selectors import ledger_mismatches

    mismatches = ledger_mismatches()
    for mismatch in mismatches:
        print(f"mismatch: {mismatch}")
    if mismatches:
        print(f"omslink: {len(mismatches)} stock balances differ from the ledger", file=sys.stderr)
        return 1
    print("stock balances equal the ledger")
    return 0


def _import(args: argparse.Namespace) -> int:
    from pathlib import Path

    from omslink.accounts.services import command_line_user
    from omslink.spreadsheets.progress_display import progress_display
    from omslink.spreadsheets.services import ImportRefused, import_file

    path = Path(args.file)
    if not path.is_file():
        print(f"omslink: no file {args.file}", file=sys.stderr)
        return 1
    try:
        with progress_display(sys.stderr) as show:
            outcome = import_file(
                kind=args.kind,
                path=path,
                file_name=path.name,
                user=command_line_user(),
                site=args.site,
                dry_run=args.dry_run,
                progress=show,
            )
    except ImportRefused as refused:
        for error in refused.errors:
            print(error)
        print(
            f"omslink: {args.file} was refused ({len(refused.errors)} problems); "
            "nothing was stored",
            file=sys.stderr,
        )
        return 1
    counts = f"created {outcome.created}, updated {outcome.updated}"
    if args.kind != "stock":
        counts += f", unchanged {outcome.unchanged}"
    if outcome.dry_run:
        print(f"dry run: {outcome.rows} rows are good; they would be {counts}; nothing was stored")
    else:
        receipt = f" on receipt {outcome.document}" if outcome.document else ""
        print(f"imported {outcome.rows} rows{receipt}: {counts}")
    return 0


EXPORTS = (
    "orders",
    "wholesale-orders",
    "stock",
    "returns",
    "deliveries",
    "items",
    "customers",
)


def _refuse_choice(option: str, value: str | None, allowed: list[str]) -> None:
    from omslink.core.errors import ValidationFailed

    if value is not None and value not in allowed:
        raise ValidationFailed(f"{option} must be one of {', '.join(allowed)}")


def _export_table(args: argparse.Namespace) -> tuple[tuple[str, ...], Any]:
    """The header and rows of one list, filtered as its page filters it."""
    if args.what == "orders":
        from omslink.orders.models import OrderStatus
        from omslink.orders.selectors import ORDER_EXPORT_COLUMNS, orders_export_rows

        _refuse_choice("--status", args.status, OrderStatus.values)
        return ORDER_EXPORT_COLUMNS, orders_export_rows(status=args.status, site=args.site)
    if args.what == "wholesale-orders":
        from omslink.wholesale.models import WholesaleOrder
        from omslink.wholesale.selectors import (
            WHOLESALE_EXPORT_COLUMNS,
            wholesale_orders_export_rows,
        )

        _refuse_choice("--status", args.status, WholesaleOrder.Status.values)

        return WHOLESALE_EXPORT_COLUMNS, wholesale_orders_export_rows(
            status=args.status, site=args.site
        )
    if args.what == "stock":
        from omslink.inventory.selectors import STOCK_EXPORT_COLUMNS, stock_export_rows

        return STOCK_EXPORT_COLUMNS, stock_export_rows(site=args.site, skus=args.sku)
    if args.what == "returns":
        from omslink.returns.models import ReturnStatus, ReturnType
        from omslink.returns.selectors import RETURN_EXPORT_COLUMNS, returns_export_rows

        _refuse_choice("--status", args.status, ReturnStatus.values)
        _refuse_choice("--type", args.type, ReturnType.values)
        return RETURN_EXPORT_COLUMNS, returns_export_rows(
            status=args.status, site=args.site, type=args.type
        )
    if args.what == "deliveries":
        from omslink.webhooks.selectors import (
            DELIVERY_EXPORT_COLUMNS,
            STATUSES,
            deliveries,
            deliveries_export_rows,
        )

        _refuse_choice("--status", args.status, list(STATUSES))

        return DELIVERY_EXPORT_COLUMNS, deliveries_export_rows(deliveries(status=args.status))
    from omslink.spreadsheets.kinds import KINDS
    from omslink.spreadsheets.selectors import master_export_rows

    return KINDS[args.what].columns, master_export_rows(args.what)


def _export(args: argparse.Namespace) -> int:
    from omslink.spreadsheets.exports import write_csv, write_xlsx

    fmt = args.format or ("xlsx" if (args.output or "").lower().endswith(".xlsx") else "csv")
    if fmt == "xlsx" and not args.output:
        print("omslink: an XLSX export needs --output FILE", file=sys.stderr)
        return 1
    header, rows = _export_table(args)
    if fmt == "xlsx":
        import shutil

        with write_xlsx(header, rows) as spool, open(args.output, "wb") as target:
            shutil.copyfileobj(spool, target)
    elif args.output:
        with open(args.output, "w", encoding="utf-8", newline="") as target:
            write_csv(target, header, rows)
    else:
        try:
            write_csv(sys.stdout, header, rows)
            sys.stdout.flush()
        except BrokenPipeError:  # `omslink export … | head`: the reader has all it wanted
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    if args.output:
        print(f"exported {args.what} to {args.output}")
    return 0


class _OneLineErrorParser(argparse.ArgumentParser):
    """Usage mistakes get the same one-line reason as every other failure (CONTRACT §1)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _OneLineErrorParser(
        prog="omslink",
        description="omslink, the ERP side of the ERP <-> OMS link. "
        "Settings come from the environment (see README.md).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    up = commands.add_parser(
        "up", help="migrate, load demo data, run server, relay and OMS simulator"
    )
    up.add_argument("--host", default=DEFAULT_HOST)
    up.add_argument("--port", type=int, default=DEFAULT_PORT)
    up.set_defaults(handler=_up)

    serve = commands.add_parser("serve", help="run the web server")
    serve.add_argument("--host", default=DEFAULT_HOST)
    serve.add_argument("--port", type=int, default=DEFAULT_PORT)
    serve.add_argument("--workers", type=int, default=2, help="processes (default 2)")
    serve.add_argument("--threads", type=int, default=16, help="threads per process (default 16)")
    serve.set_defaults(handler=_serve)

    relay = commands.add_parser("relay", help="run the webhook relay")
    relay.add_argument(
        "--concurrency", type=int, default=64, help="deliveries in flight at once (default 64)"
    )
    relay.set_defaults(handler=_relay)

    simulator = commands.add_parser("simulator", help="run the bundled OMS simulator")
    simulator.add_argument(
        "--config",
        required=True,
        help="its JSON settings file (omslink up writes one in the data dir)",
    )
    simulator.add_argument("--host", default=DEFAULT_HOST)
    simulator.set_defaults(handler=_simulator)

    migrate = commands.add_parser("migrate", help="create or upgrade the schema")
    migrate.add_argument("--verbose", action="store_true")
    migrate.set_defaults(handler=_migrate)

    user = commands.add_parser("user", help="manage users").add_subparsers(
        dest="user_command", required=True, metavar="ACTION"
    )
    user_create = user.add_parser("create", help="create a user with a role")
    user_create.add_argument("username")
    user_create.add_argument("--password", required=True)
    user_create.add_argument("--role", required=True, help="Administrator, Warehouse or Viewer")
    user_create.set_defaults(handler=_user_create)

    token = commands.add_parser("token", help="manage personal API tokens").add_subparsers(
        dest="token_command", required=True, metavar="ACTION"
    )
    token_create = token.add_parser("create", help="print a new personal token for a user")
    token_create.add_argument("username")
    token_create.set_defaults(handler=_token_create)
    token_revoke = token.add_parser("revoke", help="revoke every personal token of a user")
    token_revoke.add_argument("username")
    token_revoke.set_defaults(handler=_token_revoke)

    secrets = commands.add_parser(
        "secrets", help="manage the keys that encrypt secrets at rest"
    ).add_subparsers(dest="secrets_command", required=True, metavar="ACTION")
    secrets_rotate = secrets.add_parser(
        "rotate", help="re-encrypt stored secrets with the first of OMSLINK_SECRET_KEYS"
    )
    secrets_rotate.set_defaults(handler=_secrets_rotate)

    stock = commands.add_parser("stock", help="inspect stock").add_subparsers(
        dest="stock_command", required=True, metavar="ACTION"
    )
    stock_check = stock.add_parser("check", help="verify every balance equals its ledger")
    stock_check.set_defaults(handler=_stock_check)

    importing = commands.add_parser(
        "import", help="import items, customers or opening stock from CSV or XLSX"
    )
    importing.add_argument("kind", choices=["items", "customers", "stock"])
    importing.add_argument("file", metavar="FILE", help=".csv (UTF-8, comma or semicolon) or .xlsx")
    importing.add_argument("--site", help="the site opening stock is at (stock only)")
    importing.add_argument("--dry-run", action="store_true", help="check the file, store nothing")
    importing.set_defaults(handler=_import)

    exporting = commands.add_parser("export", help="export a list as CSV or XLSX")
    exporting.add_argument("what", choices=EXPORTS)
    exporting.add_argument("--format", choices=["csv", "xlsx"], help="default: from --output")
    exporting.add_argument("--output", "-o", help="file to write (CSV goes to stdout without it)")
    exporting.add_argument(
        "--status", help="only this status (orders, wholesale-orders, returns, deliveries)"
    )
    exporting.add_argument(
        "--site", help="only this site (orders, wholesale-orders, stock, returns)"
    )
    exporting.add_argument("--type", help="only this type of return (returns)")
    exporting.add_argument("--sku", action="append", help="only this SKU (stock; repeatable)")
    exporting.set_defaults(handler=_export)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        _setup_django()
        from omslink.core.errors import ApplicationError

        try:
            return handler(args)
        except ApplicationError as exc:
            print(f"omslink: {exc.message}", file=sys.stderr)
            return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # one line for the operator, whatever broke
        print(f"omslink: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
